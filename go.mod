module github.com/rectify-go/rectify

go 1.24.0

require (
	github.com/klauspost/cpuid/v2 v2.3.0
	golang.org/x/sys v0.40.0
)
