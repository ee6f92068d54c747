terraform {
  required_providers {
    cfinv = {
      source = "cfinv/cfinv"
    }
  }
}

# Credentials and region come from the AWS SDK's default chain
# (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE, SSO, an instance or
# task role), never from the configuration.
provider "cfinv" {}

# Against a local cfinv serve (or set AWS_ENDPOINT_URL_CLOUDFRONT instead):
#
# provider "cfinv" {
#   endpoint = "http://127.0.0.1:8655"
# }
