package cli

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
// (awsformat.go has the formatters).

// Operation names: the AWS CLI titles a table with the operation's name.
const (
	opCreateInvalidation = "CreateInvalidation"
	opGetInvalidation    = "GetInvalidation"
	opListInvalidations  = "ListInvalidations"

	opCreateInvalidationForDistributionTenant = "CreateInvalidationForDistributionTenant"
	opGetInvalidationForDistributionTenant    = "GetInvalidationForDistributionTenant"
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
		opCreateInvalidation: invalidationShapes,
		opGetInvalidation:    invalidationShapes,
		opListInvalidations:  listShapes,

		opCreateInvalidationForDistributionTenant: invalidationShapes,
		opGetInvalidationForDistributionTenant:    invalidationShapes,
	}
)

// wireTime is a CloudFront timestamp as CloudFront sends it, which the
// AWS CLI v1 prints unchanged (its default cli_timestamp_format is none).
func wireTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func pathsOmap(quantity int, items []string) omap {
	m := omap{{"Quantity", quantity}}
	if items != nil || quantity == 0 {
		l := make([]any, len(items))
		for i, it := range items {
			l[i] = it
		}
		m = append(m, kv{"Items", l})
	}
	return m
}

// invalidationOmap is an Invalidation with the members CloudFront sent.
func invalidationOmap(inv *types.Invalidation) omap {
	m := omap{}
	if inv.Id != nil {
		m = append(m, kv{"Id", *inv.Id})
	}
	if inv.Status != nil {
		m = append(m, kv{"Status", *inv.Status})
	}
	if inv.CreateTime != nil {
		m = append(m, kv{"CreateTime", wireTime(*inv.CreateTime)})
	}
	if b := inv.InvalidationBatch; b != nil {
		bm := omap{}
		if b.Paths != nil {
			bm = append(bm, kv{"Paths", pathsOmap(int(aws.ToInt32(b.Paths.Quantity)), b.Paths.Items)})
		}
		if b.CallerReference != nil {
			bm = append(bm, kv{"CallerReference", *b.CallerReference})
		}
		m = append(m, kv{"InvalidationBatch", bm})
	}
	return m
}

// createdOmap is CreateInvalidation's output for one batch cfinv created.
func createdOmap(b cfinv.Batch) omap {
	inv := omap{{"Id", b.ID}, {"Status", b.Status}}
	if !b.CreateTime.IsZero() {
		inv = append(inv, kv{"CreateTime", wireTime(b.CreateTime)})
	}
	inv = append(inv, kv{"InvalidationBatch", omap{{"Paths", pathsOmap(len(b.Paths), b.Paths)}, {"CallerReference", b.CallerReference}}})
	out := omap{}
	if b.Location != "" {
		out = append(out, kv{"Location", b.Location})
	}
	return append(out, kv{"Invalidation", inv})
}

func summaryOmap(s types.InvalidationSummary) omap {
	m := omap{}
	if s.Id != nil {
		m = append(m, kv{"Id", *s.Id})
	}
	if s.CreateTime != nil {
		m = append(m, kv{"CreateTime", wireTime(*s.CreateTime)})
	}
	if s.Status != nil {
		m = append(m, kv{"Status", *s.Status})
	}
	return m
}

// listPageOmap is one ListInvalidations response, every member CloudFront
// sent, as the AWS CLI prints it with --no-paginate.
func listPageOmap(l *types.InvalidationList) omap {
	m := omap{}
	if l.Marker != nil {
		m = append(m, kv{"Marker", *l.Marker})
	}
	if l.NextMarker != nil {
		m = append(m, kv{"NextMarker", *l.NextMarker})
	}
	if l.MaxItems != nil {
		m = append(m, kv{"MaxItems", int(*l.MaxItems)})
	}
	if l.IsTruncated != nil {
		m = append(m, kv{"IsTruncated", *l.IsTruncated})
	}
	if l.Quantity != nil {
		m = append(m, kv{"Quantity", int(*l.Quantity)})
	}
	if l.Items != nil || l.Quantity != nil {
		m = append(m, kv{"Items", summariesList(l.Items)})
	}
	return omap{{"InvalidationList", m}}
}

func summariesList(items []types.InvalidationSummary) []any {
	out := make([]any, len(items))
	for i, s := range items {
		out[i] = summaryOmap(s)
	}
	return out
}

// awsQuery applies --query to data as the AWS CLI does, keeping the order
// of the members the AWS CLI would print.
func (f *awsFlags) awsQuery(op string, data any) (any, error) {
	if f.Query == "" {
		return data, nil
	}
	v, err := jmespath.Search(f.Query, generic(data))
	if err != nil {
		return nil, flagErrorf("invalid --query %q: %v", f.Query, err)
	}
	return newKeyOrder(f.Query, awsOperationsShapes[op]).ordered(v), nil
}

// awsFormat is the output format of an AWS-named command: --output, else
// JSON, the AWS CLI's default, on a terminal too.
func (f *awsFlags) awsFormat() string {
	if f.Output == "" {
		return formatJSON
	}
	return f.Output
}

// awsTableWidth is the terminal width the AWS CLI assumes when stdout is
// not a terminal (determine_terminal_width's default).
const awsTableWidth = 80

// renderAWS prints the output of operation op as the AWS CLI does.
func (f *awsFlags) renderAWS(ios *IO, op string, data omap) error {
	v, err := f.awsQuery(op, data)
	if err != nil {
		return err
	}
	return writeAWS(ios.Out, f.awsFormat(), op, v)
}

func writeAWS(w io.Writer, format, op string, v any) error {
	switch format {
	case formatText:
		return writeAWSText(w, v)
	case formatTable:
		return writeAWSTable(w, op, v, awsTableWidth)
	case formatJSON:
		return writeAWSJSON(w, v)
	}
	return fmt.Errorf("unknown output format %q", format)
}
