terraform {
  required_providers {
    cfinv = {
      source = "cfinv/cfinv"
    }
  }
}

variable "distribution_id" {
  type    = string
  default = "E2EXAMPLE12345"
}

variable "release" {
  type    = string
  default = "v1"
}

# Object key => content hash; with the AWS provider:
#   { for k, o in aws_s3_object.site : k => o.etag }
variable "site_objects" {
  type = map(string)
  default = {
    "index.html"      = "9b2cf535f27731c974343645a3985328"
    "blog/index.html" = "e80b5017098950fc58aad83c8c14978e"
    "blog/first.html" = "ad0234829205b9033196ba818f7a872b"
    "css/site.css"    = "8277e0910d750195b448797616e091ad"
  }
}

# Fixed paths, invalidated on create and whenever a trigger changes.
resource "cfinv_invalidation" "release" {
  distribution_id = var.distribution_id
  paths           = ["/index.html", "/assets/*"]
  triggers = {
    release = var.release
  }
}

# Only what changed: on each apply the keys whose hash changed or that
# disappeared are planned into the fewest URLs (index forms, wildcards that
# purge nothing unchanged).
resource "cfinv_invalidation" "site" {
  distribution_id = var.distribution_id
  objects         = var.site_objects

  timeouts {
    create = "20m"
    update = "20m"
  }
}
