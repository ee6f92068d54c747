// Package interop checks that `cfinv serve` works with the clients people
// really use: the AWS CLI v1, boto3 and the AWS SDK for JavaScript v3. Its
// tests build the cfinv binary, start it on loopback and run each client
// against it as a subprocess. The tools are required: a missing one fails
// the tests with an install hint rather than skipping them.
package interop
