// Command shilu-verify checks an evidence package of Shilu (实录) offline:
// the standalone verifier a package carries for Linux and Windows
// (校验工具/), for the court clerk who has neither the archive nor its
// command. It checks what `shilu package verify` checks (export.Verify) and
// prints the verdict in Chinese and English.
//
// Usage: shilu-verify [--key KEY] [DIR]. Without DIR it checks the package
// it is on: the directory above its own (校验工具/..).
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"shilu/internal/export"
)

func main() {
	key := flag.String("key", "", "the archive's verifier key, as published, to compare with the package's")
	flag.Parse()
	dir := flag.Arg(0)
	if dir == "" {
		exe, err := os.Executable()
		if err != nil {
			fmt.Fprintln(os.Stderr, "shilu-verify:", err)
			os.Exit(2)
		}
		dir = filepath.Dir(filepath.Dir(exe))
	}
	fmt.Printf("证据包 / package: %s\n\n", dir)
	r := export.Verify(os.DirFS(dir), *key)
	if err := export.Print(os.Stdout, r); err != nil {
		os.Exit(2)
	}
	if !r.OK() {
		os.Exit(1)
	}
}
