// Package docs holds habeas's documentation, embedded, so that the public
// methodology page is the same text as this folder and cannot drift from
// it: the pages that explain the published figures are rendered from
// these files when the server starts.
package docs

import (
	"bytes"
	"embed"
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

//go:embed *.md
var files embed.FS

// Public are the documents the public methodology page serves, in its
// order: every figure, how the report protects small counts, the legal
// rules, how to check a published report. The others are for staff and
// administrators and stay in the repository.
var Public = []string{"stats", "report", "disclosure", "screening", "checkpoints"}

// Page is one document rendered to HTML.
type Page struct {
	Name  string
	Title string
	HTML  []byte
}

// Render renders the public documents. Links between them go to their
// pages under base ("/methodology/"); a link to a document that is not
// public keeps its text and loses its link, so the page never points into
// the repository's private folders.
func Render(base string) (map[string]Page, error) {
	public := map[string]bool{}
	for _, n := range Public {
		public[n] = true
	}
	md := goldmark.New(
		goldmark.WithExtensions(extension.Table),
		goldmark.WithParserOptions(parser.WithAutoHeadingID(), parser.WithASTTransformers(util.Prioritized(links{base, public}, 100))),
		// No raw HTML from the files: they are trusted, but the page
		// should not depend on it.
		goldmark.WithRendererOptions(html.WithXHTML()),
	)
	out := map[string]Page{}
	for _, n := range Public {
		src, err := files.ReadFile(n + ".md")
		if err != nil {
			return nil, fmt.Errorf("reading docs/%s.md: %w", n, err)
		}
		var b bytes.Buffer
		if err := md.Convert(src, &b); err != nil {
			return nil, fmt.Errorf("rendering docs/%s.md: %w", n, err)
		}
		out[n] = Page{Name: n, Title: title(src), HTML: b.Bytes()}
	}
	return out, nil
}

var h1 = regexp.MustCompile(`(?m)^# (.+)$`)

func title(src []byte) string {
	if m := h1.FindSubmatch(src); m != nil {
		return strings.TrimSpace(strings.ReplaceAll(string(m[1]), "`", ""))
	}
	return ""
}

// links points links between public documents at their pages.
type links struct {
	base   string
	public map[string]bool
}

func (l links) Transform(doc *ast.Document, _ text.Reader, _ parser.Context) {
	var drop []*ast.Link
	ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		lk, ok := n.(*ast.Link)
		if !entering || !ok {
			return ast.WalkContinue, nil
		}
		dest := string(lk.Destination)
		if strings.Contains(dest, "://") || strings.HasPrefix(dest, "#") || strings.HasPrefix(dest, "mailto:") {
			return ast.WalkContinue, nil
		}
		file, frag, _ := strings.Cut(dest, "#")
		name := strings.TrimSuffix(path.Base(file), ".md")
		if strings.HasSuffix(file, ".md") && l.public[name] {
			if frag != "" {
				frag = "#" + frag
			}
			lk.Destination = []byte(l.base + name + frag)
			return ast.WalkContinue, nil
		}
		drop = append(drop, lk)
		return ast.WalkSkipChildren, nil
	})
	for _, lk := range drop {
		// The link's text stays, in place of the link.
		parent := lk.Parent()
		for c := lk.FirstChild(); c != nil; {
			next := c.NextSibling()
			parent.InsertBefore(parent, lk, c)
			c = next
		}
		parent.RemoveChild(parent, lk)
	}
}
