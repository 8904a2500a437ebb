//go:build !unix

package main

import "os/exec"

// detach does nothing where there is no /dev/tty: scan finds no terminal.
func detach(*exec.Cmd) {}
