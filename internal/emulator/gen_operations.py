#!/usr/bin/env python3
"""Writes operations.go: every operation of the botocore CloudFront
2020-05-31 model by method and URI (run from internal/emulator with
botocore installed: python3 gen_operations.py > operations.go)."""
import gzip, json, os
import botocore

path = os.path.join(os.path.dirname(botocore.__file__), "data/cloudfront/2020-05-31/service-2.json.gz")
ops = json.load(gzip.open(path))["operations"]
rows = [(o["http"]["method"], o["http"]["requestUri"], name) for name, o in ops.items()]
# Entries with a query string first, so they win over the plain URI; then
# by URI and method.
rows.sort(key=lambda r: ("?" not in r[1], r[1], r[0]))
print("""// Code generated from the botocore CloudFront 2020-05-31 service model
// (service-2.json, operations[*].http); DO NOT EDIT by hand.

package emulator

// operations lists every CloudFront API operation by method and URI, so a
// request the emulator does not implement is answered with the operation's
// name. Entries with a query string come first so they win over the plain
// URI.
var operations = []struct{ method, uri, name string }{""")
for m, u, n in rows:
    print('\t{"%s", "%s", "%s"},' % (m, u, n))
print("}")
