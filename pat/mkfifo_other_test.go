//go:build !unix

package pat

import "errors"

func mkfifo(path string) error { return errors.New("no named pipes here") }
