package main

import "fmt"

// validateNice checks -server-nice: a nice value, for server children
// only (a server in this process or one at -url is not the tool's to
// prioritise).
func (c *config) validateNice() error {
	switch {
	case c.nice == 0:
		return nil
	case c.nice < -20 || c.nice > 19:
		return fmt.Errorf("%w: -server-nice %d: want -20 to 19", errUsage, c.nice)
	case !c.serve && (c.server != "child" || c.url != ""):
		return fmt.Errorf("%w: -server-nice applies to server children (-server child, no -url)", errUsage)
	}
	return nil
}
