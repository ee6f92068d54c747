package tfprovider

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
)

// inputs are what a run of the resource invalidates from: the attributes
// that decide which paths are sent where.
type inputs struct {
	DistributionID string            `json:"d"`
	Paths          []string          `json:"p"`
	Triggers       map[string]string `json:"t"`
	Objects        map[string]string `json:"o"`
	OriginPath     string            `json:"op"`
	IndexDocument  string            `json:"ix"`
}

// previous is what the state holds of the last apply, for deriving the
// next run's references.
type previous struct {
	ID               string   `json:"id"`
	Inputs           inputs   `json:"in"`
	CallerReferences []string `json:"refs"`
}

// hashOf is the SHA-256 of v's JSON (map keys are sorted by
// encoding/json, so equal values hash equally) in hex.
func hashOf(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		// Only strings, maps and slices of them: cannot fail.
		panic(err)
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// resourceID is the ID of a resource created from in: derived from its
// inputs, like everything else, so that a create that failed half-way
// and is applied again gets the same ID and the same references.
func resourceID(in inputs) string {
	return hashOf(struct {
		V  string `json:"v"`
		In inputs `json:"in"`
	}{"cfinv-tf-id/1", in})[:20]
}

// deployID names one run of the resource, as cfinv invalidate's
// --deploy-id names a deploy: each batch's caller reference is
// cfinv.DeployReference(distribution, batch, deployID).
//
// A create's run is derived from its inputs alone. An update's run is
// derived from the prior state too (its ID, inputs and caller
// references), so it differs from every earlier run of the resource even
// when the inputs go back to earlier values (triggers 1 → 2 → 1 buys a
// third invalidation), and it is the same when an apply that failed
// half-way (the state unchanged) is run again: CloudFront answers a known
// caller reference with the invalidation it already created, and bills
// nothing.
func deployID(prior *previous, cur inputs) string {
	return "tf-" + hashOf(struct {
		V     string    `json:"v"`
		Prior *previous `json:"prior"`
		In    inputs    `json:"in"`
	}{"cfinv-tf-run/1", prior, cur})[:32]
}

// inputsKey identifies in among the objects deleted in an apply.
func inputsKey(in inputs) string { return hashOf(in) }

// replacementID is the ID of the object that replaces pred (terraform
// apply -replace, a tainted object): derived from pred, so that each
// replacement differs from the object it replaces and from every earlier
// one.
func replacementID(pred previous) string {
	return hashOf(struct {
		V    string   `json:"v"`
		Pred previous `json:"pred"`
	}{"cfinv-tf-replace-id/1", pred})[:20]
}

// replacementDeployID names the run of a replacement with ID id: new for
// each replacement, where a first create's run (deployID(nil, …)) would
// be the same as that of the object replaced.
func replacementDeployID(id string, cur inputs) string {
	return "tf-" + hashOf(struct {
		V  string `json:"v"`
		ID string `json:"id"`
		In inputs `json:"in"`
	}{"cfinv-tf-replace-run/1", id, cur})[:32]
}
