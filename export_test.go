package rectify

import "github.com/rectify-go/rectify/internal/dispatch"

// UseLevel makes the public functions run level l (which the CPU must
// support) and returns a function that restores the previous level.
func UseLevel(l dispatch.Level) (restore func()) {
	old := active
	active = kernelSetFor(l)
	if active.level != l {
		panic("rectify: level " + l.String() + " has no kernel set in this build")
	}
	return func() { active = old }
}
