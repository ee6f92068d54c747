package deploy_test

import (
	"fmt"
	"log"

	"github.com/cfinv/cfinv/deploy"
)

func ExampleConfig_Settings() {
	cfg, err := deploy.ParseConfig([]byte(`
routes:
  - match: "**/*.html"
    headers: { Cache-Control: "public, max-age=0, must-revalidate" }
  - match: "assets/**"
    headers: { Cache-Control: "public, max-age=31536000, immutable" }
    gzip: true
`), ".cfinv.yml")
	if err != nil {
		log.Fatal(err)
	}
	for _, key := range []string{"index.html", "blog/post/index.html", "assets/app.3f2a.js", "robots.txt"} {
		s := cfg.Settings(key)
		fmt.Printf("%s: entry=%v gzip=%v Content-Type=%q Cache-Control=%q\n",
			key, s.Entry, s.Gzip, s.Headers["Content-Type"], s.Headers["Cache-Control"])
	}
	// Output:
	// index.html: entry=true gzip=false Content-Type="text/html; charset=utf-8" Cache-Control="public, max-age=0, must-revalidate"
	// blog/post/index.html: entry=true gzip=false Content-Type="text/html; charset=utf-8" Cache-Control="public, max-age=0, must-revalidate"
	// assets/app.3f2a.js: entry=false gzip=true Content-Type="text/javascript; charset=utf-8" Cache-Control="public, max-age=31536000, immutable"
	// robots.txt: entry=false gzip=false Content-Type="text/plain; charset=utf-8" Cache-Control=""
}

func ExampleParseConfig_error() {
	_, err := deploy.ParseConfig([]byte("routes:\n  - match: \"*.html\"\n    cache_control: no-cache\n"), ".cfinv.yml")
	fmt.Println(err)
	// Output:
	// .cfinv.yml:3: unknown key "cache_control" in route 1 (accepted: match, headers, entry, gzip, storage_class, acl)
}

func ExampleContentType() {
	fmt.Println(deploy.ContentType("index.html"))
	fmt.Println(deploy.ContentType("img/Logo.PNG"))
	fmt.Println(deploy.ContentType("LICENSE"))
	// Output:
	// text/html; charset=utf-8
	// image/png
	// application/octet-stream
}
