package changes_test

import (
	"fmt"
	"log"
	"strings"

	"github.com/cfinv/cfinv/changes"
)

// ExampleParseS3SyncLog reads what "aws s3 sync public/ s3://bucket" printed:
// which keys changed, appeared or went away.
func ExampleParseS3SyncLog() {
	syncLog := `upload: public/index.html to s3://site/index.html
upload: public/blog/new-post/index.html to s3://site/blog/new-post/index.html
delete: s3://site/old.html
`
	set, err := changes.ParseS3SyncLog(strings.NewReader(syncLog), "sync.log")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("uploaded:", set.Modified)
	fmt.Println("deleted:", set.Deleted)
	// Output:
	// uploaded: [blog/new-post/index.html index.html]
	// deleted: [old.html]
}
