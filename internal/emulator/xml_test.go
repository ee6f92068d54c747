package emulator

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/cfinv/cfinv/internal/distconfig"
	"github.com/cfinv/cfinv/internal/store"
)

// TestWriteXMLReusesEncoders checks that pooled XML encoders write every
// document as a fresh encoder does, also after an encoder failed half-way
// through a document.
func TestWriteXMLReusesEncoders(t *testing.T) {
	s := New(Options{Store: store.NewMem()})
	tree := &distconfig.Node{Name: "DistributionConfig", Nodes: []*distconfig.Node{
		{Name: "CallerReference", Text: "ref & <more>"},
		{Name: "Origins", Nodes: []*distconfig.Node{{Name: "Quantity", Text: "0"}}},
	}}
	broken := &distconfig.Node{Name: "DistributionConfig", Nodes: []*distconfig.Node{
		{Name: "Comment", Text: "before the failure"},
		{Name: "", Text: "a start tag with no name"},
	}}
	docs := []any{
		&xmlInvalidation{ID: "I0EB4UP97FK0AX", Status: "Completed", CreateTime: "2026-12-01T22:00:00.000Z",
			InvalidationBatch: xmlInvalidationBatch{Paths: xmlPaths{Quantity: 2, Items: []string{"/a", "/b c"}}, CallerReference: "r1"}},
		&xmlErrorResponse{Error: xmlError{Type: "Sender", Code: "InvalidArgument", Message: "bad <value>"}, RequestID: "id"},
		xmlDocument{tree},
		&xmlInvalidationList{Marker: "", MaxItems: 100, Quantity: 0},
	}
	fresh := func(v any) []byte {
		var b bytes.Buffer
		b.WriteString(xml.Header)
		if err := xml.NewEncoder(&b).Encode(v); err != nil {
			t.Fatalf("encode %T: %v", v, err)
		}
		return b.Bytes()
	}
	req := httptest.NewRequest(http.MethodGet, "/2020-05-31/distribution", nil)
	for round := range 3 {
		for _, v := range append([]any{xmlDocument{broken}}, docs...) {
			w := httptest.NewRecorder()
			s.writeXML(w, req, http.StatusOK, v)
			if d, ok := v.(xmlDocument); ok && d.Node == broken {
				if w.Code != http.StatusInternalServerError || !bytes.Contains(w.Body.Bytes(), []byte("InternalFailure")) {
					t.Fatalf("round %d: a document that cannot be encoded got %d %s", round, w.Code, w.Body)
				}
				continue
			}
			if want := fresh(v); w.Code != http.StatusOK || !bytes.Equal(w.Body.Bytes(), want) {
				t.Errorf("round %d, %T: got %d\n%s\nwant\n%s", round, v, w.Code, w.Body, want)
			}
		}
	}
}
