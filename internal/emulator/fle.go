package emulator

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/cfinv/cfinv/internal/distconfig"
	"github.com/cfinv/cfinv/internal/store"
)

// Field-level encryption (issue 27): configurations and profiles, the
// twelve Create/Get/GetConfig/List/Update/Delete operations, as two
// resourceKinds. The control plane is all there is: the edge encrypts no
// form fields.
//
// CloudFront's rules and quotas (10 configurations and 10 profiles per
// account, 10 query argument and 10 content type profiles per
// configuration, 10 field patterns per profile), as documented:
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/field-level-encryption.html
// https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cloudfront-limits.html#limits-field-level-encryption

// Store kinds of field-level encryption configurations and profiles.
const (
	FieldLevelEncryptionConfigKind  = "field-level-encryption"
	FieldLevelEncryptionProfileKind = "field-level-encryption-profile"
)

const (
	maxFLEConfigs, maxFLEProfiles         = 10, 10
	maxFLEQueryArgProfiles                = 10
	maxFLEContentTypeProfiles             = 10
	maxFLEFieldPatterns, maxFLEEntities   = 10, 10
	fleContentType                        = "application/x-www-form-urlencoded"
	msgNoSuchFieldLevelEncryptionProfile  = "The specified profile for field-level encryption doesn't exist."
	msgNoSuchFieldLevelEncryptionConfig   = "The specified configuration for field-level encryption doesn't exist."
	msgFieldLevelEncryptionProfileInUse   = "The specified profile for field-level encryption is in use."
	msgFieldLevelEncryptionConfigInUse    = "The specified configuration for field-level encryption is in use."
	msgFieldLevelEncryptionProfileExists  = "The specified profile for field-level encryption already exists."
	msgFieldLevelEncryptionConfigExists   = "The specified configuration for field-level encryption already exists."
	msgTooManyFieldLevelEncryptionConfigs = "The maximum number of configurations for field-level encryption have been created."
)

func init() {
	// Statuses from the model (botocore service-2.json).
	for code, status := range map[string]int{
		"FieldLevelEncryptionConfigAlreadyExists":        http.StatusConflict,
		"FieldLevelEncryptionConfigInUse":                http.StatusConflict,
		"FieldLevelEncryptionProfileAlreadyExists":       http.StatusConflict,
		"FieldLevelEncryptionProfileInUse":               http.StatusConflict,
		"FieldLevelEncryptionProfileSizeExceeded":        http.StatusBadRequest,
		"NoSuchFieldLevelEncryptionConfig":               http.StatusNotFound,
		"NoSuchFieldLevelEncryptionProfile":              http.StatusNotFound,
		"QueryArgProfileEmpty":                           http.StatusBadRequest,
		"TooManyFieldLevelEncryptionConfigs":             http.StatusBadRequest,
		"TooManyFieldLevelEncryptionProfiles":            http.StatusBadRequest,
		"TooManyFieldLevelEncryptionEncryptionEntities":  http.StatusBadRequest,
		"TooManyFieldLevelEncryptionFieldPatterns":       http.StatusBadRequest,
		"TooManyFieldLevelEncryptionQueryArgProfiles":    http.StatusBadRequest,
		"TooManyFieldLevelEncryptionContentTypeProfiles": http.StatusBadRequest,
	} {
		statusOf[code] = status
	}
	for _, op := range []string{
		"CreateFieldLevelEncryptionConfig", "GetFieldLevelEncryption", "GetFieldLevelEncryptionConfig",
		"ListFieldLevelEncryptionConfigs", "UpdateFieldLevelEncryptionConfig", "DeleteFieldLevelEncryptionConfig",
		"CreateFieldLevelEncryptionProfile", "GetFieldLevelEncryptionProfile", "GetFieldLevelEncryptionProfileConfig",
		"ListFieldLevelEncryptionProfiles", "UpdateFieldLevelEncryptionProfile", "DeleteFieldLevelEncryptionProfile",
	} {
		implemented[op] = true
	}
	// The model's shapes of the two configs (kept here so this resource
	// touches no shared table).
	st := func(members []member, required ...string) shape {
		return shape{kind: shapeStructure, members: members, required: required}
	}
	shapes["FieldLevelEncryptionConfig"] = st([]member{{"CallerReference", "string"}, {"Comment", "string"},
		{"QueryArgProfileConfig", "QueryArgProfileConfig"}, {"ContentTypeProfileConfig", "ContentTypeProfileConfig"}}, "CallerReference")
	shapes["QueryArgProfileConfig"] = st([]member{{"ForwardWhenQueryArgProfileIsUnknown", "boolean"}, {"QueryArgProfiles", "QueryArgProfiles"}}, "ForwardWhenQueryArgProfileIsUnknown")
	shapes["QueryArgProfiles"] = st([]member{{"Quantity", "integer"}, {"Items", "QueryArgProfileList"}}, "Quantity")
	shapes["QueryArgProfileList"] = shape{kind: shapeList, item: "QueryArgProfile", itemShape: "QueryArgProfile"}
	shapes["QueryArgProfile"] = st([]member{{"QueryArg", "string"}, {"ProfileId", "string"}}, "QueryArg", "ProfileId")
	shapes["ContentTypeProfileConfig"] = st([]member{{"ForwardWhenContentTypeIsUnknown", "boolean"}, {"ContentTypeProfiles", "ContentTypeProfiles"}}, "ForwardWhenContentTypeIsUnknown")
	shapes["ContentTypeProfiles"] = st([]member{{"Quantity", "integer"}, {"Items", "ContentTypeProfileList"}}, "Quantity")
	shapes["ContentTypeProfileList"] = shape{kind: shapeList, item: "ContentTypeProfile", itemShape: "ContentTypeProfile"}
	shapes["ContentTypeProfile"] = st([]member{{"Format", "Format"}, {"ProfileId", "string"}, {"ContentType", "string"}}, "Format", "ContentType")
	shapes["Format"] = shape{kind: shapeEnum, enum: []string{"URLEncoded"}}
	shapes["FieldLevelEncryptionProfileConfig"] = st([]member{{"Name", "string"}, {"CallerReference", "string"}, {"Comment", "string"},
		{"EncryptionEntities", "EncryptionEntities"}}, "Name", "CallerReference", "EncryptionEntities")
	shapes["EncryptionEntities"] = st([]member{{"Quantity", "integer"}, {"Items", "EncryptionEntityList"}}, "Quantity")
	shapes["EncryptionEntityList"] = shape{kind: shapeList, item: "EncryptionEntity", itemShape: "EncryptionEntity"}
	shapes["EncryptionEntity"] = st([]member{{"PublicKeyId", "string"}, {"ProviderId", "string"}, {"FieldPatterns", "FieldPatterns"}}, "PublicKeyId", "ProviderId", "FieldPatterns")
	shapes["FieldPatterns"] = st([]member{{"Quantity", "integer"}, {"Items", "FieldPatternList"}}, "Quantity")
	shapes["FieldPatternList"] = shape{kind: shapeList, item: "FieldPattern", itemShape: "string"}
}

func init() {
	// A public key a profile encrypts with is in use (PublicKeyInUse),
	// as one a key group holds is: wrapped here so publickeys.go stays
	// as it is.
	keyGroupsUse := publicKeys.inUse
	publicKeys.inUse = func(r *store.Resource, in store.Snapshot) (bool, error) {
		if keyGroupsUse != nil {
			if used, err := keyGroupsUse(r, in); used || err != nil {
				return used, err
			}
		}
		profiles, err := in.Resources(FieldLevelEncryptionProfileKind)
		if err != nil {
			return false, err
		}
		for _, p := range profiles {
			for _, e := range p.Config.Find("EncryptionEntities", "Items").All("EncryptionEntity") {
				if e.Value("PublicKeyId") == r.ID {
					return true, nil
				}
			}
		}
		return false, nil
	}
}

// fleRoutes registers the twelve field-level encryption operations.
func (s *Server) fleRoutes() {
	s.resourceRoutes(fleConfigs)
	s.resourceRoutes(fleProfiles)
}

var fleConfigs = &resourceKind{
	kind:           FieldLevelEncryptionConfigKind,
	elem:           "FieldLevelEncryption",
	newID:          func() string { return newID("C", 13, upperAlnum) },
	timeField:      "LastModifiedTime",
	updateAtConfig: true,
	nameMember:     "CallerReference",
	quota:          maxFLEConfigs,
	quotaCode:      "TooManyFieldLevelEncryptionConfigs",
	quotaMsg:       msgTooManyFieldLevelEncryptionConfigs,
	noSuch:         "NoSuchFieldLevelEncryptionConfig",
	noSuchMsg:      msgNoSuchFieldLevelEncryptionConfig,
	exists:         "FieldLevelEncryptionConfigAlreadyExists",
	existsMsg:      msgFieldLevelEncryptionConfigExists,
	inUseCode:      "FieldLevelEncryptionConfigInUse",
	inUseMsg:       msgFieldLevelEncryptionConfigInUse,
	check:          checkFLEConfig,
	inUse:          behaviorUses("FieldLevelEncryptionId"),
	summary: func(_ *store.Resource, wire *distconfig.Node, _ string) *distconfig.Node {
		return fleSummary("FieldLevelEncryptionSummary", wire, "FieldLevelEncryptionConfig",
			"Comment", "QueryArgProfileConfig", "ContentTypeProfileConfig")
	},
}

var fleProfiles = &resourceKind{
	kind:           FieldLevelEncryptionProfileKind,
	elem:           "FieldLevelEncryptionProfile",
	newID:          func() string { return newID("P", 13, upperAlnum) },
	timeField:      "LastModifiedTime",
	updateAtConfig: true,
	quota:          maxFLEProfiles,
	quotaCode:      "TooManyFieldLevelEncryptionProfiles",
	quotaMsg:       "The maximum number of profiles for field-level encryption have been created.",
	noSuch:         "NoSuchFieldLevelEncryptionProfile",
	noSuchMsg:      msgNoSuchFieldLevelEncryptionProfile,
	exists:         "FieldLevelEncryptionProfileAlreadyExists",
	existsMsg:      msgFieldLevelEncryptionProfileExists,
	inUseCode:      "FieldLevelEncryptionProfileInUse",
	inUseMsg:       msgFieldLevelEncryptionProfileInUse,
	check:          checkFLEProfile,
	inUse: func(r *store.Resource, in store.Snapshot) (bool, error) {
		configs, err := in.Resources(FieldLevelEncryptionConfigKind)
		if err != nil {
			return false, err
		}
		for _, c := range configs {
			for _, id := range fleProfileIDs(c.Config) {
				if id == r.ID {
					return true, nil
				}
			}
		}
		return false, nil
	},
	summary: func(_ *store.Resource, wire *distconfig.Node, _ string) *distconfig.Node {
		return fleSummary("FieldLevelEncryptionProfileSummary", wire, "FieldLevelEncryptionProfileConfig",
			"Name", "EncryptionEntities", "Comment")
	},
}

// fleSummary builds a list entry: Id, LastModifiedTime and members of the
// wire resource's config element, in the summary's order.
func fleSummary(name string, wire *distconfig.Node, configElem string, members ...string) *distconfig.Node {
	n := &distconfig.Node{Name: name}
	n.Append(wire.Child("Id").Clone())
	n.Append(wire.Child("LastModifiedTime").Clone())
	cfg := wire.Child(configElem)
	for _, m := range members {
		if c := cfg.Child(m); c != nil {
			n.Append(c.Clone())
		}
	}
	return n
}

// fleProfileIDs lists the profile IDs a FieldLevelEncryptionConfig names.
func fleProfileIDs(c *distconfig.Node) []string {
	var out []string
	for _, p := range c.Find("QueryArgProfileConfig", "QueryArgProfiles", "Items").All("QueryArgProfile") {
		out = append(out, p.Value("ProfileId"))
	}
	for _, p := range c.Find("ContentTypeProfileConfig", "ContentTypeProfiles", "Items").All("ContentTypeProfile") {
		if id := p.Value("ProfileId"); id != "" {
			out = append(out, id)
		}
	}
	return out
}

// checkFLEConfig applies CloudFront's rules to a FieldLevelEncryptionConfig
// the shape check has passed: the profile counts, a ProfileId for every
// query argument, the one supported content type, and profiles that exist.
func checkFLEConfig(ctx context.Context, s *Server, c *distconfig.Node, _ *store.Resource) *apiError {
	const what = "FieldLevelEncryptionConfig"
	qa := c.Find("QueryArgProfileConfig", "QueryArgProfiles", "Items").All("QueryArgProfile")
	if len(qa) > maxFLEQueryArgProfiles {
		e := errorf("TooManyFieldLevelEncryptionQueryArgProfiles", "The maximum number of query arg profiles for field-level encryption have been created.")
		e.Detail = fmt.Sprintf("%d query argument profiles, the limit is %d", len(qa), maxFLEQueryArgProfiles)
		return e
	}
	seen := map[string]bool{}
	for i, p := range qa {
		if strings.TrimSpace(p.Value("ProfileId")) == "" {
			e := errorf("QueryArgProfileEmpty", "No profile specified for the field-level encryption query argument.")
			e.Detail = fmt.Sprintf("%s.QueryArgProfileConfig.QueryArgProfiles.Items[%d] (QueryArg %q) has an empty ProfileId", what, i+1, truncate(p.Value("QueryArg"), 60))
			return e
		}
		arg := p.Value("QueryArg")
		if strings.TrimSpace(arg) == "" {
			return errorf("InvalidArgument", "%s.QueryArgProfileConfig.QueryArgProfiles.Items[%d].QueryArg is empty; give the query argument that selects the profile.", what, i+1)
		}
		if seen[arg] {
			return errorf("InvalidArgument", "%s.QueryArgProfileConfig.QueryArgProfiles holds query argument %q twice; give each once.", what, truncate(arg, 60))
		}
		seen[arg] = true
	}
	ct := c.Find("ContentTypeProfileConfig", "ContentTypeProfiles", "Items").All("ContentTypeProfile")
	if len(ct) > maxFLEContentTypeProfiles {
		e := errorf("TooManyFieldLevelEncryptionContentTypeProfiles", "The maximum number of content type profiles for field-level encryption have been created.")
		e.Detail = fmt.Sprintf("%d content type profiles, the limit is %d", len(ct), maxFLEContentTypeProfiles)
		return e
	}
	for i, p := range ct {
		if t := p.Value("ContentType"); t != fleContentType {
			return errorf("InvalidArgument", "%s.ContentTypeProfileConfig.ContentTypeProfiles.Items[%d].ContentType %q is not supported; the only content type is %s.", what, i+1, truncate(t, 100), fleContentType)
		}
	}
	for _, id := range fleProfileIDs(c) {
		ok, err := s.resourceExists(ctx, fleProfiles, id)
		if err != nil {
			return internalError(err)
		}
		if !ok {
			e := errorf("NoSuchFieldLevelEncryptionProfile", msgNoSuchFieldLevelEncryptionProfile)
			e.Detail = "ProfileId " + truncate(id, 40) + " does not exist"
			return e
		}
	}
	return nil
}

// checkFLEProfile applies CloudFront's rules to a
// FieldLevelEncryptionProfileConfig the shape check has passed: entity and
// field pattern counts, a provider, and public keys that exist.
func checkFLEProfile(ctx context.Context, s *Server, c *distconfig.Node, _ *store.Resource) *apiError {
	const what = "FieldLevelEncryptionProfileConfig"
	if strings.TrimSpace(c.Value("Name")) == "" {
		return errorf("InvalidArgument", "%s.Name is empty; give the profile a name.", what)
	}
	entities := c.Find("EncryptionEntities", "Items").All("EncryptionEntity")
	if len(entities) > maxFLEEntities {
		e := errorf("TooManyFieldLevelEncryptionEncryptionEntities", "The maximum number of encryption entities for field-level encryption have been created.")
		e.Detail = fmt.Sprintf("%d encryption entities, the limit is %d", len(entities), maxFLEEntities)
		return e
	}
	patterns := 0
	for i, ent := range entities {
		at := fmt.Sprintf("%s.EncryptionEntities.Items[%d]", what, i+1)
		if strings.TrimSpace(ent.Value("ProviderId")) == "" {
			return errorf("InvalidArgument", "%s.ProviderId is empty; give the provider of the public key.", at)
		}
		fp := ent.Find("FieldPatterns", "Items").All("FieldPattern")
		if len(fp) == 0 {
			return errorf("InvalidArgument", "%s.FieldPatterns is empty; name at least one field to encrypt (e.g. ssn or card-*).", at)
		}
		for _, p := range fp {
			if strings.TrimSpace(p.Text) == "" {
				return errorf("InvalidArgument", "%s.FieldPatterns holds an empty pattern.", at)
			}
		}
		patterns += len(fp)
		id := ent.Value("PublicKeyId")
		ok, err := s.resourceExists(ctx, publicKeys, id)
		if err != nil {
			return internalError(err)
		}
		if !ok {
			e := errorf("NoSuchPublicKey", "The specified public key doesn't exist.")
			e.Detail = at + ".PublicKeyId " + truncate(id, 40) + " does not exist"
			return e
		}
	}
	if patterns > maxFLEFieldPatterns {
		e := errorf("TooManyFieldLevelEncryptionFieldPatterns", "The maximum number of field patterns for field-level encryption have been created.")
		e.Detail = fmt.Sprintf("%d field patterns, the limit is %d", patterns, maxFLEFieldPatterns)
		return e
	}
	return nil
}

// resourceExists reports whether the resource k/id is stored.
func (s *Server) resourceExists(ctx context.Context, k *resourceKind, id string) (bool, error) {
	if id == "" {
		return false, nil
	}
	_, err := s.loadResource(ctx, k, id)
	var ae *apiError
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &ae), errors.Is(err, store.ErrInvalidKey):
		return false, nil
	}
	return false, err
}

// checkFieldLevelEncryptionIds refuses a DistributionConfig whose cache
// behaviour names a field-level encryption configuration that does not
// exist (NoSuchFieldLevelEncryptionConfig, as CreateDistribution and
// UpdateDistribution list in the model).
func (s *Server) checkFieldLevelEncryptionIds(ctx context.Context, c *distconfig.Node) error {
	for _, b := range behaviorsOf(c) {
		id := strings.TrimSpace(b.Value("FieldLevelEncryptionId"))
		if id == "" {
			continue
		}
		ok, err := s.resourceExists(ctx, fleConfigs, id)
		if err != nil {
			return err
		}
		if !ok {
			e := errorf("NoSuchFieldLevelEncryptionConfig", msgNoSuchFieldLevelEncryptionConfig)
			e.Detail = "FieldLevelEncryptionId " + truncate(id, 40) + " does not exist"
			return e
		}
	}
	return nil
}
