package interop

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestBoto3Features runs testdata/boto3_features.py (issue 27): every
// operation of CloudFront Functions, key value stores (control plane),
// field-level encryption, monitoring subscriptions and real-time log
// configurations, each with the happy path checked field by field and
// with each documented error the emulator answers (account quotas
// included), through boto3; every successful answer is also checked
// against botocore's output shape. The key value store is imported from a
// bucket served from a directory (--s3-origin), where the file over the
// import limit is too.
func TestBoto3Features(t *testing.T) {
	t.Parallel()
	py := need(t, "python3", "install Python 3 with boto3 (pip install boto3)")
	dir := t.TempDir()
	files := map[string][]byte{
		"redirects.json": []byte(`{"data":[{"key":"/old","value":"/new"},{"key":"/docs","value":"/manual/"}]}`),
		"twice.json":     []byte(`{"data":[{"key":"/a","value":"1"},{"key":"/a","value":"2"}]}`),
		// Over the 5 MB a store may hold: the import is refused unread past it.
		"big.json": append(append([]byte(`{"data":[{"key":"k","value":"`), bytes.Repeat([]byte("v"), 5*1024*1024)...), `"}]}`...),
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), body, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	srv := startServe(t, "0s", "--s3-origin", "kvs-import="+dir)
	env := clientEnv(t, srv.URL)
	script, err := filepath.Abs(filepath.Join("testdata", "boto3_features.py"))
	if err != nil {
		t.Fatal(err)
	}
	out, errOut, code := run(t, env, "", py, script)
	if code != 0 {
		t.Fatalf("boto3_features.py: exit %d\nstderr:\n%s\nstdout:\n%s", code, errOut, out)
	}
	var got struct {
		Called []string          `json:"called"`
		Errors map[string][2]any `json:"errors"`
	}
	decode(t, "boto3_features.py", out, &got)
	if diff := cmp.Diff(boto3FeatureOps, got.Called); diff != "" {
		t.Errorf("operations called (-want +got):\n%s", diff)
	}
	wantErrors := map[string][2]any{
		// CloudFront Functions.
		"fnNameTaken":            {"FunctionAlreadyExists", 409.0},
		"fnBadName":              {"InvalidArgument", 400.0},
		"fnBadRuntime":           {"InvalidArgument", 400.0},
		"fnTooBig":               {"FunctionSizeLimitExceeded", 413.0},
		"fnSyntaxError":          {"InvalidArgument", 400.0},
		"fnConstInRuntime1":      {"InvalidArgument", 400.0},
		"fnUnknownImport":        {"InvalidArgument", 400.0},
		"fnDescribeUnknown":      {"NoSuchFunctionExists", 404.0},
		"fnDescribeUnpublished":  {"NoSuchFunctionExists", 404.0},
		"fnGetUnknown":           {"NoSuchFunctionExists", 404.0},
		"fnGetBadStage":          {"InvalidArgument", 400.0},
		"fnListBadMarker":        {"InvalidArgument", 400.0},
		"fnUpdateStale":          {"PreconditionFailed", 412.0},
		"fnUpdateNoIfMatch":      {"InvalidIfMatchVersion", 400.0},
		"fnUpdateUnknown":        {"NoSuchFunctionExists", 404.0},
		"fnUpdateTooBig":         {"FunctionSizeLimitExceeded", 413.0},
		"fnUpdateSyntaxError":    {"InvalidArgument", 400.0},
		"fnPublishStale":         {"PreconditionFailed", 412.0},
		"fnPublishNoIfMatch":     {"InvalidIfMatchVersion", 400.0},
		"fnPublishUnknown":       {"NoSuchFunctionExists", 404.0},
		"fnTestStale":            {"PreconditionFailed", 412.0},
		"fnTestNoIfMatch":        {"InvalidIfMatchVersion", 400.0},
		"fnTestUnknown":          {"NoSuchFunctionExists", 404.0},
		"fnTestBadEvent":         {"InvalidArgument", 400.0},
		"fnAssociateUnpublished": {"InvalidFunctionAssociation", 400.0},
		"fnAssociateUnknown":     {"NoSuchFunctionExists", 404.0},
		"fnDeleteInUse":          {"FunctionInUse", 409.0},
		"fnDeleteStale":          {"PreconditionFailed", 412.0},
		"fnDeleteNoIfMatch":      {"InvalidIfMatchVersion", 400.0},
		"fnDeleteUnknown":        {"NoSuchFunctionExists", 404.0},
		"fnTooMany":              {"TooManyFunctions", 400.0},
		// Key value stores.
		"kvsNameTaken":         {"EntityAlreadyExists", 409.0},
		"kvsBadName":           {"InvalidArgument", 400.0},
		"kvsImportMissing":     {"InvalidArgument", 400.0},
		"kvsImportKeyTwice":    {"InvalidArgument", 400.0},
		"kvsImportTooBig":      {"EntitySizeLimitExceeded", 413.0},
		"kvsDescribeUnknown":   {"EntityNotFound", 404.0},
		"kvsListBadMarker":     {"InvalidArgument", 400.0},
		"kvsUpdateStale":       {"PreconditionFailed", 412.0},
		"kvsUpdateNoIfMatch":   {"InvalidIfMatchVersion", 400.0},
		"kvsUpdateUnknown":     {"EntityNotFound", 404.0},
		"kvsUpdateLongComment": {"InvalidArgument", 400.0},
		"kvsFunctionUnknown":   {"EntityNotFound", 404.0},
		"kvsFunctionTwo":       {"InvalidArgument", 400.0},
		"kvsDeleteInUse":       {"CannotDeleteEntityWhileInUse", 409.0},
		"kvsDeleteStale":       {"PreconditionFailed", 412.0},
		"kvsDeleteNoIfMatch":   {"InvalidIfMatchVersion", 400.0},
		"kvsDeleteUnknown":     {"EntityNotFound", 404.0},
		"kvsTooMany":           {"EntityLimitExceeded", 400.0},
		// Field-level encryption profiles.
		"fleProfileNameTaken":        {"FieldLevelEncryptionProfileAlreadyExists", 409.0},
		"fleProfileNoKey":            {"NoSuchPublicKey", 404.0},
		"fleProfileQuantities":       {"InconsistentQuantities", 400.0},
		"fleProfileTooManyPatterns":  {"TooManyFieldLevelEncryptionFieldPatterns", 400.0},
		"fleProfileTooManyEntities":  {"TooManyFieldLevelEncryptionEncryptionEntities", 400.0},
		"fleProfileNoProvider":       {"InvalidArgument", 400.0},
		"fleProfileGetUnknown":       {"NoSuchFieldLevelEncryptionProfile", 404.0},
		"fleProfileGetConfigUnknown": {"NoSuchFieldLevelEncryptionProfile", 404.0},
		"fleProfileListBadMarker":    {"InvalidArgument", 400.0},
		"fleProfileUpdateStale":      {"PreconditionFailed", 412.0},
		"fleProfileUpdateNoIfMatch":  {"InvalidIfMatchVersion", 400.0},
		"fleProfileUpdateUnknown":    {"NoSuchFieldLevelEncryptionProfile", 404.0},
		"fleProfileUpdateNameTaken":  {"FieldLevelEncryptionProfileAlreadyExists", 409.0},
		"fleProfileUpdateNoKey":      {"NoSuchPublicKey", 404.0},
		"fleProfileDeleteInUse":      {"FieldLevelEncryptionProfileInUse", 409.0},
		"fleProfileDeleteStale":      {"PreconditionFailed", 412.0},
		"fleProfileDeleteNoIfMatch":  {"InvalidIfMatchVersion", 400.0},
		"fleProfileDeleteUnknown":    {"NoSuchFieldLevelEncryptionProfile", 404.0},
		"fleKeyInUse":                {"PublicKeyInUse", 409.0},
		"fleTooManyProfiles":         {"TooManyFieldLevelEncryptionProfiles", 400.0},
		// Field-level encryption configurations.
		"fleConfigRefTaken":          {"FieldLevelEncryptionConfigAlreadyExists", 409.0},
		"fleConfigNoProfile":         {"NoSuchFieldLevelEncryptionProfile", 404.0},
		"fleConfigQueryArgEmpty":     {"QueryArgProfileEmpty", 400.0},
		"fleConfigTooManyQueryArgs":  {"TooManyFieldLevelEncryptionQueryArgProfiles", 400.0},
		"fleConfigTooManyTypes":      {"TooManyFieldLevelEncryptionContentTypeProfiles", 400.0},
		"fleConfigContentType":       {"InvalidArgument", 400.0},
		"fleConfigQuantities":        {"InconsistentQuantities", 400.0},
		"fleConfigGetUnknown":        {"NoSuchFieldLevelEncryptionConfig", 404.0},
		"fleConfigGetConfigUnknown":  {"NoSuchFieldLevelEncryptionConfig", 404.0},
		"fleConfigListBadMarker":     {"InvalidArgument", 400.0},
		"fleConfigUpdateStale":       {"PreconditionFailed", 412.0},
		"fleConfigUpdateNoIfMatch":   {"InvalidIfMatchVersion", 400.0},
		"fleConfigUpdateUnknown":     {"NoSuchFieldLevelEncryptionConfig", 404.0},
		"fleConfigUpdateNoProfile":   {"NoSuchFieldLevelEncryptionProfile", 404.0},
		"fleConfigUnknownInBehavior": {"NoSuchFieldLevelEncryptionConfig", 404.0},
		"fleConfigDeleteInUse":       {"FieldLevelEncryptionConfigInUse", 409.0},
		"fleConfigDeleteStale":       {"PreconditionFailed", 412.0},
		"fleConfigDeleteNoIfMatch":   {"InvalidIfMatchVersion", 400.0},
		"fleConfigDeleteUnknown":     {"NoSuchFieldLevelEncryptionConfig", 404.0},
		"fleTooManyConfigs":          {"TooManyFieldLevelEncryptionConfigs", 400.0},
		// Monitoring subscriptions.
		"monCreateUnknownDist": {"NoSuchDistribution", 404.0},
		"monCreateBadStatus":   {"InvalidArgument", 400.0},
		"monGetUnknownDist":    {"NoSuchDistribution", 404.0},
		"monGetNone":           {"NoSuchMonitoringSubscription", 404.0},
		"monDeleteUnknownDist": {"NoSuchDistribution", 404.0},
		"monDeleteNone":        {"NoSuchMonitoringSubscription", 404.0},
		// Real-time log configurations.
		"rtlNameTaken":       {"RealtimeLogConfigAlreadyExists", 409.0},
		"rtlBadRate":         {"InvalidArgument", 400.0},
		"rtlBadField":        {"InvalidArgument", 400.0},
		"rtlBadStream":       {"InvalidArgument", 400.0},
		"rtlGetUnknown":      {"NoSuchRealtimeLogConfig", 404.0},
		"rtlGetOtherAccount": {"NoSuchRealtimeLogConfig", 404.0},
		"rtlGetMismatch":     {"InvalidArgument", 400.0},
		"rtlGetNoName":       {"InvalidArgument", 400.0},
		"rtlGetNoBody":       {"MissingBody", 400.0},
		"rtlListBadMarker":   {"InvalidArgument", 400.0},
		"rtlUpdateUnknown":   {"NoSuchRealtimeLogConfig", 404.0},
		"rtlUpdateBadRate":   {"InvalidArgument", 400.0},
		"rtlLookupNoName":    {"InvalidArgument", 400.0},
		"rtlLookupNoBody":    {"MissingBody", 400.0},
		"rtlDistUnknown":     {"NoSuchRealtimeLogConfig", 404.0},
		"rtlDistOtherOwner":  {"RealtimeLogConfigOwnerMismatch", 401.0},
		"rtlDeleteInUse":     {"RealtimeLogConfigInUse", 400.0},
		"rtlDeleteUnknown":   {"NoSuchRealtimeLogConfig", 404.0},
		"rtlTooMany":         {"TooManyRealtimeLogConfigs", 400.0},
	}
	if diff := cmp.Diff(wantErrors, got.Errors); diff != "" {
		t.Errorf("error codes and statuses (-want +got):\n%s", diff)
	}
}

// boto3FeatureOps are the operations the script calls and reports, sorted
// (TestBoto3CoversEveryOperation counts them).
var boto3FeatureOps = []string{
	"CreateFieldLevelEncryptionConfig", "CreateFieldLevelEncryptionProfile", "CreateFunction",
	"CreateKeyValueStore", "CreateMonitoringSubscription", "CreateRealtimeLogConfig",
	"DeleteFieldLevelEncryptionConfig", "DeleteFieldLevelEncryptionProfile", "DeleteFunction",
	"DeleteKeyValueStore", "DeleteMonitoringSubscription", "DeleteRealtimeLogConfig",
	"DescribeFunction", "DescribeKeyValueStore",
	"GetFieldLevelEncryption", "GetFieldLevelEncryptionConfig",
	"GetFieldLevelEncryptionProfile", "GetFieldLevelEncryptionProfileConfig",
	"GetFunction", "GetMonitoringSubscription", "GetRealtimeLogConfig",
	"ListDistributionsByRealtimeLogConfig",
	"ListFieldLevelEncryptionConfigs", "ListFieldLevelEncryptionProfiles",
	"ListFunctions", "ListKeyValueStores", "ListRealtimeLogConfigs",
	"PublishFunction", "TestFunction",
	"UpdateFieldLevelEncryptionConfig", "UpdateFieldLevelEncryptionProfile", "UpdateFunction",
	"UpdateKeyValueStore", "UpdateRealtimeLogConfig",
}
