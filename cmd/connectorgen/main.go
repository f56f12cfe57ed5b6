// Command connectorgen generates typed Go clients for Power Platform /
// Logic Apps connectors and calls their operations. Run it without arguments
// for usage.
package main

import (
	"os"

	"github.com/connectorgen/connectorgen/generator/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
}
