package locale

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
)

//go:embed translations/*.json
var translations embed.FS

// catalogue holds every language's messages, parsed once from the embedded
// files when the program starts and never written after, so Printers share
// it without locks. A file that does not parse is a build defect: the
// program stops at once rather than showing keys (TestEmbeddedCatalogue).
var catalogue = mustLoad()

// mustLoad reads the file of every language in languages.
func mustLoad() map[string]map[string]string {
	c := make(map[string]map[string]string, len(languages))
	for _, l := range languages {
		name := "translations/" + l.tag + ".json"
		b, err := translations.ReadFile(name)
		if err != nil {
			panic("locale: " + err.Error())
		}
		c[l.tag] = mustParse(name, b)
	}
	return c
}

// mustParse is parse for the embedded files, which must not be broken.
func mustParse(name string, b []byte) map[string]string {
	m, err := parse(b)
	if err != nil {
		panic(fmt.Sprintf("locale: %s: %v", name, err))
	}
	return m
}

// Keys returns every key of the catalogue, sorted.
func Keys() []string { return slices.Sorted(maps.Keys(catalogue[Default])) }

// parse reads one translation file: a JSON object of key → text. Unlike
// json.Unmarshal it refuses a key given twice, which in a file edited by
// hand is a slip that would silently drop one of the texts.
func parse(b []byte) (map[string]string, error) {
	d := json.NewDecoder(bytes.NewReader(b))
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return nil, fmt.Errorf("want a JSON object of key → text")
	}
	m := map[string]string{}
	for d.More() {
		t, err := d.Token()
		if err != nil {
			return nil, err
		}
		k := t.(string) // inside an object, a token that is not an error is a key
		var v string
		if err := d.Decode(&v); err != nil {
			return nil, fmt.Errorf("%q: %w", k, err)
		}
		if _, dup := m[k]; dup {
			return nil, fmt.Errorf("%q given twice", k)
		}
		m[k] = v
	}
	if _, err := d.Token(); err != nil {
		return nil, err
	}
	if _, err := d.Token(); err != io.EOF {
		return nil, fmt.Errorf("data after the object")
	}
	return m, nil
}
