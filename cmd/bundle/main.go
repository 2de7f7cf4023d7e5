// Command bundle collects a signed, redacted support bundle from a Caracal deployment.
package main

import (
	"os"
)

func main() {
	os.Exit(run(os.Args, os.Stdin, os.Stdout, os.Stderr))
}
