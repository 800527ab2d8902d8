//go:build !(amd64 || arm64) || purego || noasm

package dispatch

const asmEnabled = false

func cpuLevels() []Level { return nil }

func llc() int { return 0 }
