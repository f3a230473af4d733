// The pod sandbox's process for the node rung (what the "pause" image runs):
// it holds the pod's namespaces, reaps the children it inherits, and exits on
// SIGINT or SIGTERM. No registry is reachable, so the image is built locally
// from this binary (tests/engine/standins/pause).
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	signals := make(chan os.Signal, 8)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGCHLD)
	for s := range signals {
		if s != syscall.SIGCHLD {
			os.Exit(0)
		}
		for {
			var status syscall.WaitStatus
			if pid, err := syscall.Wait4(-1, &status, syscall.WNOHANG, nil); pid <= 0 || err != nil {
				break
			}
		}
	}
}
