package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cfinv/cfinv/internal/awscli"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/jmespath/go-jmespath"
)

// awsTime is how the AWS CLI prints CloudFront timestamps.
func awsTime(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// The AWS CLI's JSON shapes, so scripts written for it keep working.
type (
	pathsJSON struct {
		Quantity int      `json:"Quantity"`
		Items    []string `json:"Items,omitempty"`
	}
	batchJSON struct {
		Paths           pathsJSON `json:"Paths"`
		CallerReference string    `json:"CallerReference"`
	}
	invalidationJSON struct {
		ID                string     `json:"Id"`
		Status            string     `json:"Status"`
		CreateTime        string     `json:"CreateTime"`
		InvalidationBatch *batchJSON `json:"InvalidationBatch,omitempty"`
	}
)

func toInvalidationJSON(inv *types.Invalidation) *invalidationJSON {
	if inv == nil {
		return nil
	}
	out := &invalidationJSON{ID: aws.ToString(inv.Id), Status: aws.ToString(inv.Status), CreateTime: awsTime(inv.CreateTime)}
	if b := inv.InvalidationBatch; b != nil {
		out.InvalidationBatch = &batchJSON{CallerReference: aws.ToString(b.CallerReference)}
		if b.Paths != nil {
			out.InvalidationBatch.Paths = pathsJSON{Quantity: int(aws.ToInt32(b.Paths.Quantity)), Items: b.Paths.Items}
		}
	}
	return out
}

// format picks the output format: --output, else table on a terminal and
// JSON otherwise.
func (f *awsFlags) format(ios *IO) (string, error) {
	switch f.Output {
	case "":
		if ios.IsStdoutTTY && f.Query == "" {
			return awscli.Table, nil
		}
		return awscli.JSON, nil
	case awscli.JSON, awscli.Text, awscli.Table:
		return f.Output, nil
	}
	return "", flagErrorf("invalid --output %q: want json, text or table", f.Output)
}

// check validates --output and compiles --query. Commands call it before
// their first API call, so that a typo in either costs nothing: an
// invalidation created and then not printed is paid for again by the
// corrected re-run (issue 10).
func (f *awsFlags) check(ios *IO) error {
	if err := f.checkGlobal(); err != nil {
		return err
	}
	if _, err := f.format(ios); err != nil {
		return err
	}
	if f.Query != "" {
		if _, err := jmespath.Compile(f.Query); err != nil {
			return flagErrorf("invalid --query %q: %v", f.Query, err)
		}
	}
	return nil
}

// render writes data in the chosen format. JSON is data as the AWS CLI
// would print it, after --query; text and table use the given writers
// unless --query is set, in which case the query result is printed as
// tab-separated values (as the AWS CLI's text output does).
func (f *awsFlags) render(ios *IO, data any, text, table func(w io.Writer)) error {
	format, err := f.format(ios)
	if err != nil {
		return err
	}
	var v any = data
	if f.Query != "" {
		generic, err := toGeneric(data)
		if err != nil {
			return err
		}
		v, err = jmespath.Search(f.Query, generic)
		if err != nil {
			return flagErrorf("invalid --query %q: %v", f.Query, err)
		}
		if format != awscli.JSON {
			writeTextValue(ios.Out, v)
			return nil
		}
	}
	switch format {
	case awscli.Text:
		text(ios.Out)
		return nil
	case awscli.Table:
		tw := tabwriter.NewWriter(ios.Out, 0, 4, 2, ' ', 0)
		table(tw)
		return tw.Flush()
	}
	enc := json.NewEncoder(ios.Out)
	enc.SetIndent("", "    ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func toGeneric(data any) (any, error) {
	b, err := json.Marshal(data)
	if err != nil {
		return nil, fmt.Errorf("encode output: %w", err)
	}
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("encode output: %w", err)
	}
	return v, nil
}

// writeTextValue prints a query result as the AWS CLI's text output does:
// scalars as they are, a list of scalars on one tab-separated line, a list
// of lists one line each.
func writeTextValue(w io.Writer, v any) {
	switch x := v.(type) {
	case nil:
		fmt.Fprintln(w, "None")
	case []any:
		var scalars []string
		for _, e := range x {
			switch e.(type) {
			case []any, map[string]any:
				writeTextValue(w, e)
			default:
				scalars = append(scalars, scalar(e))
			}
		}
		if len(scalars) > 0 {
			fmt.Fprintln(w, strings.Join(scalars, "\t"))
		}
	case map[string]any:
		var vals []string
		for _, k := range slices.Sorted(maps.Keys(x)) {
			vals = append(vals, scalar(x[k]))
		}
		fmt.Fprintln(w, strings.Join(vals, "\t"))
	default:
		fmt.Fprintln(w, scalar(x))
	}
}

func scalar(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case nil:
		return "None"
	case float64:
		if x == float64(int64(x)) {
			return fmt.Sprint(int64(x))
		}
		return fmt.Sprint(x)
	case []any, map[string]any:
		b, _ := json.Marshal(x)
		return string(b)
	}
	return fmt.Sprint(v)
}
