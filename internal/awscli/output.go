package awscli

import (
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudfront/types"
	"github.com/jmespath/go-jmespath"

	"github.com/cfinv/cfinv"
)

// The output of the AWS-named commands, as the AWS CLI v1 prints it
// (format.go has the formatters).

// Operation names: the AWS CLI titles a table with the operation's name.
const (
	OpCreateInvalidation = "CreateInvalidation"
	OpGetInvalidation    = "GetInvalidation"
	OpListInvalidations  = "ListInvalidations"

	OpCreateInvalidationForDistributionTenant = "CreateInvalidationForDistributionTenant"
	OpGetInvalidationForDistributionTenant    = "GetInvalidationForDistributionTenant"
)

// The members of the output shapes, in the service model's order
// (botocore's data/cloudfront/2020-05-31/service-2.json), which is the
// order the AWS CLI prints them in.
var (
	shapeCreateResult   = []string{"Location", "Invalidation"}
	shapeGetResult      = []string{"Invalidation"}
	shapeInvalidation   = []string{"Id", "Status", "CreateTime", "InvalidationBatch"}
	shapeBatch          = []string{"Paths", "CallerReference"}
	shapePaths          = []string{"Quantity", "Items"}
	shapeListResult     = []string{"InvalidationList", "NextToken"}
	shapeList           = []string{"Marker", "NextMarker", "MaxItems", "IsTruncated", "Quantity", "Items"}
	shapeSummary        = []string{"Id", "CreateTime", "Status"}
	invalidationShapes  = [][]string{shapeCreateResult, shapeGetResult, shapeInvalidation, shapeBatch, shapePaths}
	listShapes          = [][]string{shapeListResult, shapeList, shapeSummary}
	awsOperationsShapes = map[string][][]string{
		OpCreateInvalidation: invalidationShapes,
		OpGetInvalidation:    invalidationShapes,
		OpListInvalidations:  listShapes,

		OpCreateInvalidationForDistributionTenant: invalidationShapes,
		OpGetInvalidationForDistributionTenant:    invalidationShapes,
	}
)

// Time is a CloudFront timestamp as CloudFront sends it, which the
// AWS CLI v1 prints unchanged (its default cli_timestamp_format is none).
func Time(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func pathsOmap(quantity int, items []string) Object {
	m := Object{{"Quantity", quantity}}
	if items != nil || quantity == 0 {
		l := make([]any, len(items))
		for i, it := range items {
			l[i] = it
		}
		m = append(m, KV{"Items", l})
	}
	return m
}

// Invalidation is an Invalidation with the members CloudFront sent.
func Invalidation(inv *types.Invalidation) Object {
	m := Object{}
	if inv.Id != nil {
		m = append(m, KV{"Id", *inv.Id})
	}
	if inv.Status != nil {
		m = append(m, KV{"Status", *inv.Status})
	}
	if inv.CreateTime != nil {
		m = append(m, KV{"CreateTime", Time(*inv.CreateTime)})
	}
	if b := inv.InvalidationBatch; b != nil {
		bm := Object{}
		if b.Paths != nil {
			bm = append(bm, KV{"Paths", pathsOmap(int(aws.ToInt32(b.Paths.Quantity)), b.Paths.Items)})
		}
		if b.CallerReference != nil {
			bm = append(bm, KV{"CallerReference", *b.CallerReference})
		}
		m = append(m, KV{"InvalidationBatch", bm})
	}
	return m
}

// Created is CreateInvalidation's output for one batch cfinv created.
func Created(b cfinv.Batch) Object {
	inv := Object{{"Id", b.ID}, {"Status", b.Status}}
	if !b.CreateTime.IsZero() {
		inv = append(inv, KV{"CreateTime", Time(b.CreateTime)})
	}
	inv = append(inv, KV{"InvalidationBatch", Object{{"Paths", pathsOmap(len(b.Paths), b.Paths)}, {"CallerReference", b.CallerReference}}})
	out := Object{}
	if b.Location != "" {
		out = append(out, KV{"Location", b.Location})
	}
	return append(out, KV{"Invalidation", inv})
}

func summaryOmap(s types.InvalidationSummary) Object {
	m := Object{}
	if s.Id != nil {
		m = append(m, KV{"Id", *s.Id})
	}
	if s.CreateTime != nil {
		m = append(m, KV{"CreateTime", Time(*s.CreateTime)})
	}
	if s.Status != nil {
		m = append(m, KV{"Status", *s.Status})
	}
	return m
}

// ListPage is one ListInvalidations response, every member CloudFront
// sent, as the AWS CLI prints it with --no-paginate.
func ListPage(l *types.InvalidationList) Object {
	m := Object{}
	if l.Marker != nil {
		m = append(m, KV{"Marker", *l.Marker})
	}
	if l.NextMarker != nil {
		m = append(m, KV{"NextMarker", *l.NextMarker})
	}
	if l.MaxItems != nil {
		m = append(m, KV{"MaxItems", int(*l.MaxItems)})
	}
	if l.IsTruncated != nil {
		m = append(m, KV{"IsTruncated", *l.IsTruncated})
	}
	if l.Quantity != nil {
		m = append(m, KV{"Quantity", int(*l.Quantity)})
	}
	if l.Items != nil || l.Quantity != nil {
		m = append(m, KV{"Items", summariesList(l.Items)})
	}
	return Object{{"InvalidationList", m}}
}

func summariesList(items []types.InvalidationSummary) []any {
	out := make([]any, len(items))
	for i, s := range items {
		out[i] = summaryOmap(s)
	}
	return out
}

// Output is what --output and --query ask of an AWS-named command.
type Output struct {
	Format string // json, text or table; "": json, the AWS CLI's default, on a terminal too
	Query  string // a JMESPath expression; "": none
}

// Apply applies the query to data as the AWS CLI does, keeping the order
// of the members the AWS CLI would print: op names the operation whose
// output shapes data has.
func (o Output) Apply(op string, data any) (any, error) {
	if o.Query == "" {
		return data, nil
	}
	v, err := jmespath.Search(o.Query, generic(data))
	if err != nil {
		return nil, usageErrorf("invalid --query %q: %v", o.Query, err)
	}
	return newKeyOrder(o.Query, awsOperationsShapes[op]).ordered(v), nil
}

// format is the output format: Format, else JSON.
func (o Output) format() string {
	if o.Format == "" {
		return JSON
	}
	return o.Format
}

// TableWidth is the terminal width the AWS CLI assumes when stdout is
// not a terminal (determine_terminal_width's default).
const TableWidth = 80

// Print writes the output of operation op as the AWS CLI does.
func (o Output) Print(w io.Writer, op string, data Object) error {
	v, err := o.Apply(op, data)
	if err != nil {
		return err
	}
	return Write(w, o.format(), op, v)
}

// Write writes v in format as the AWS CLI's formatter of that name does;
// op titles a table.
func Write(w io.Writer, format, op string, v any) error {
	switch format {
	case Text:
		return WriteText(w, v)
	case Table:
		return WriteTable(w, op, v, TableWidth)
	case JSON:
		return WriteJSON(w, v)
	}
	return fmt.Errorf("unknown output format %q", format)
}

// GetOutput is GetInvalidation's output.
func GetOutput(inv *types.Invalidation) Object {
	return Object{{"Invalidation", Invalidation(inv)}}
}
