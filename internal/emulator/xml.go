package emulator

import (
	"encoding/xml"
	"time"

	"github.com/cfinv/cfinv/internal/distconfig"
)

// Wire types of the CloudFront REST-XML API, 2020-05-31. Element names and
// order follow the botocore service model; the namespace is set on every
// document root.

// timeFormat renders timestamps as CloudFront does: UTC, milliseconds.
const timeFormat = "2006-01-02T15:04:05.000Z"

func wireTime(t time.Time) string { return t.UTC().Format(timeFormat) }

type xmlPaths struct {
	Quantity int      `xml:"Quantity"`
	Items    []string `xml:"Items>Path,omitempty"`
}

type xmlInvalidationBatch struct {
	Paths           xmlPaths `xml:"Paths"`
	CallerReference string   `xml:"CallerReference"`
}

type xmlInvalidation struct {
	XMLName           xml.Name             `xml:"http://cloudfront.amazonaws.com/doc/2020-05-31/ Invalidation"`
	ID                string               `xml:"Id"`
	Status            string               `xml:"Status"`
	CreateTime        string               `xml:"CreateTime"`
	InvalidationBatch xmlInvalidationBatch `xml:"InvalidationBatch"`
}

type xmlInvalidationSummary struct {
	ID         string `xml:"Id"`
	CreateTime string `xml:"CreateTime"`
	Status     string `xml:"Status"`
}

type xmlInvalidationList struct {
	XMLName     xml.Name              `xml:"http://cloudfront.amazonaws.com/doc/2020-05-31/ InvalidationList"`
	Marker      string                `xml:"Marker"`
	NextMarker  string                `xml:"NextMarker,omitempty"`
	MaxItems    int                   `xml:"MaxItems"`
	IsTruncated bool                  `xml:"IsTruncated"`
	Quantity    int                   `xml:"Quantity"`
	Items       *xmlInvalidationItems `xml:"Items,omitempty"`
}

// xmlInvalidationItems is InvalidationList.Items; a nil pointer leaves
// Items out of an empty list, as CloudFront does.
type xmlInvalidationItems struct {
	Summaries []xmlInvalidationSummary `xml:"InvalidationSummary"`
}

// xmlActive is ActiveTrustedSigners / ActiveTrustedKeyGroups: the emulator
// has no signers, so it always reports none.
type xmlActive struct {
	Enabled  bool `xml:"Enabled"`
	Quantity int  `xml:"Quantity"`
}

type xmlDistribution struct {
	XMLName                       xml.Name         `xml:"http://cloudfront.amazonaws.com/doc/2020-05-31/ Distribution"`
	ID                            string           `xml:"Id"`
	ARN                           string           `xml:"ARN"`
	Status                        string           `xml:"Status"`
	LastModifiedTime              string           `xml:"LastModifiedTime"`
	InProgressInvalidationBatches int              `xml:"InProgressInvalidationBatches"`
	DomainName                    string           `xml:"DomainName"`
	ActiveTrustedSigners          xmlActive        `xml:"ActiveTrustedSigners"`
	ActiveTrustedKeyGroups        xmlActive        `xml:"ActiveTrustedKeyGroups"`
	DistributionConfig            *distconfig.Node `xml:"DistributionConfig"`
}

// xmlDistributionList holds DistributionSummary elements built as nodes
// (see summaryOf), because most of a summary is copied from the config.
type xmlDistributionList struct {
	XMLName     xml.Name  `xml:"http://cloudfront.amazonaws.com/doc/2020-05-31/ DistributionList"`
	Marker      string    `xml:"Marker"`
	NextMarker  string    `xml:"NextMarker,omitempty"`
	MaxItems    int       `xml:"MaxItems"`
	IsTruncated bool      `xml:"IsTruncated"`
	Quantity    int       `xml:"Quantity"`
	Items       *xmlItems `xml:"Items,omitempty"`
}

// xmlItems is the Items element of a list whose entries are built as node
// trees; a nil pointer leaves Items out of an empty list, as CloudFront
// does. Each node is written under its own name.
type xmlItems struct {
	Nodes []*distconfig.Node
}

// MarshalXML writes <Items> and each node under its own name.
func (it xmlItems) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	for _, n := range it.Nodes {
		if err := n.MarshalXML(e, xml.StartElement{Name: xml.Name{Local: n.Name}}); err != nil {
			return err
		}
	}
	return e.EncodeToken(start.End())
}

type xmlTag struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

// xmlTags is the Tags document of ListTagsForResource. Items is always
// written, empty when there are no tags.
type xmlTags struct {
	XMLName xml.Name `xml:"http://cloudfront.amazonaws.com/doc/2020-05-31/ Tags"`
	Items   struct {
		Tag []xmlTag `xml:"Tag"`
	} `xml:"Items"`
}

type xmlError struct {
	Type    string `xml:"Type"`
	Code    string `xml:"Code"`
	Message string `xml:"Message"`
}

type xmlErrorResponse struct {
	XMLName   xml.Name `xml:"http://cloudfront.amazonaws.com/doc/2020-05-31/ ErrorResponse"`
	Error     xmlError `xml:"Error"`
	RequestID string   `xml:"RequestId"`
}

// xmlDocument is a node tree written as a document root, with CloudFront's
// namespace.
type xmlDocument struct{ *distconfig.Node }

// MarshalXML writes the root element with the namespace attribute.
func (d xmlDocument) MarshalXML(e *xml.Encoder, _ xml.StartElement) error {
	start := xml.StartElement{Name: xml.Name{Local: d.Name}, Attr: []xml.Attr{{Name: xml.Name{Local: "xmlns"}, Value: distconfig.Namespace}}}
	return d.Node.MarshalXML(e, start)
}
