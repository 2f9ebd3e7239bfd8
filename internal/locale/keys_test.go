package locale

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// keyShape is what a catalogue key looks like: "err.access.until_after_from".
var keyShape = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$`)

// notYetConverted are the messages still given as English text instead of
// a key, by file: validation of pages whose files other work of issue 8 is
// rewriting. Text is refused everywhere else, and an entry whose text is
// no longer in its file fails, so that the list only shrinks: delete an
// entry when its message is converted.
var notYetConverted = map[string][]string{}

// keyForwarders are the functions that pass a parameter on to
// evidence.Errorf as its key: "package.function" → the index of that
// parameter. Their calls are checked in its place.
var keyForwarders = map[string]int{
	"app.errTOTP": 0,
}

// Every catalogue key that Go code passes to evidence.Errorf,
// evidence.Msg, a Printer's or page's T and web's msg exists, with as many
// arguments as its text has verbs; every prefix of a key made at run time
// ("act.type." + t) starts some key. The key of evidence.Errorf — the
// message of an error, which people read — is always a literal (or a
// literal prefix), so that this test sees it, and English text in its
// place fails outside notYetConverted. The module's non-test files are
// read as Go syntax, so a call is found however it is formatted.
func TestKeysInCodeExist(t *testing.T) {
	root := filepath.Join("..", "..")
	fset := token.NewFileSet()
	found, pending := 0, 0
	unconverted := map[string]bool{} // file + "\x00" + text, still in the code
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); path != root && (strings.HasPrefix(n, ".") || n == "testdata" || n == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		fn := "" // the function the calls are in, for keyForwarders
		ast.Inspect(f, func(n ast.Node) bool {
			if d, ok := n.(*ast.FuncDecl); ok {
				fn = f.Name.Name + "." + d.Name.Name
				return true
			}
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			i, filled := keyArg(f.Name.Name, call)
			if i < 0 || i >= len(call.Args) {
				return true
			}
			pos := fset.Position(call.Args[i].Pos())
			pos.Filename = rel
			if _, fwd := keyForwarders[fn]; isErrorf(f.Name.Name, call) && !fwd && !isLiteralKey(call.Args[i]) {
				t.Errorf("%s: the key of evidence.Errorf is not a string literal: write the key there, or list %s in keyForwarders", pos, fn)
			}
			switch arg := call.Args[i].(type) {
			case *ast.BasicLit:
				key, err := strconv.Unquote(arg.Value)
				if arg.Kind != token.STRING || err != nil {
					return true
				}
				found++
				if !keyShape.MatchString(key) {
					if slices.Contains(notYetConverted[rel], key) {
						pending++
						unconverted[rel+"\x00"+key] = true
					} else {
						t.Errorf("%s: %q is text, not a catalogue key", pos, key)
					}
					return true
				}
				text, ok := catalogue[Default][key]
				if !ok {
					t.Errorf("%s: no key %q in the catalogue", pos, key)
					return true
				}
				if got, want := len(call.Args)-i-1, len(verbs(text)); filled && call.Ellipsis == token.NoPos && !strings.Contains(text, "%[") && got != want {
					t.Errorf("%s: %q given %d arguments, its text has %d verbs", pos, key, got, want)
				}
			case *ast.BinaryExpr: // "act.type." + string(t)
				lit, ok := arg.X.(*ast.BasicLit)
				if !ok || arg.Op != token.ADD || lit.Kind != token.STRING {
					return true
				}
				prefix, _ := strconv.Unquote(lit.Value)
				found++
				if !hasKeyWithPrefix(prefix) {
					t.Errorf("%s: no key starts with %q", pos, prefix)
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if found < 300 {
		t.Errorf("found only %d keys in calls: do the calls still look as keyArg expects?", found)
	}
	for file, texts := range notYetConverted {
		for _, text := range texts {
			if !unconverted[file+"\x00"+text] {
				t.Errorf("notYetConverted: %s no longer has %q: delete the entry", file, text)
			}
		}
	}
	t.Logf("%d keys in calls; %d messages not yet in the catalogue", found, pending)
}

// isErrorf reports whether call is evidence.Errorf (or Errorf within
// evidence).
func isErrorf(pkg string, call *ast.CallExpr) bool {
	switch fn := call.Fun.(type) {
	case *ast.SelectorExpr:
		x, _ := fn.X.(*ast.Ident)
		return fn.Sel.Name == "Errorf" && x != nil && x.Name == "evidence"
	case *ast.Ident:
		return pkg == "evidence" && fn.Name == "Errorf"
	}
	return false
}

// isLiteralKey reports whether e is a string literal, or one with
// something added: "act.type." + string(t).
func isLiteralKey(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.BasicLit:
		return e.Kind == token.STRING
	case *ast.BinaryExpr:
		lit, ok := e.X.(*ast.BasicLit)
		return ok && e.Op == token.ADD && lit.Kind == token.STRING
	}
	return false
}

// keyArg returns the index of the argument of call that is a catalogue
// key, or -1 for a call that takes none, and whether the call fills the
// text with the arguments after the key. pkg is the calling file's
// package, for calls within evidence and web.
func keyArg(pkg string, call *ast.CallExpr) (int, bool) {
	switch fn := call.Fun.(type) {
	case *ast.SelectorExpr:
		x, _ := fn.X.(*ast.Ident)
		switch {
		case fn.Sel.Name == "Errorf" && x != nil && x.Name == "evidence":
			return 1, true
		case fn.Sel.Name == "Msg" && x != nil && x.Name == "evidence":
			return 0, true
		case fn.Sel.Name == "T": // a Printer's or a page's
			return 0, true
		case fn.Sel.Name == "Text": // a page's, unfilled
			return 0, false
		}
	case *ast.Ident:
		switch {
		case pkg == "evidence" && fn.Name == "Errorf":
			return 1, true
		case pkg == "evidence" && fn.Name == "Msg":
			return 0, true
		case pkg == "web" && fn.Name == "msg":
			return 1, true
		}
		if i, ok := keyForwarders[pkg+"."+fn.Name]; ok {
			return i, true
		}
	}
	return -1, false
}

func hasKeyWithPrefix(prefix string) bool {
	for k := range catalogue[Default] {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}
