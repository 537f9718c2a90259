"""The region's web stack: both static frontends on S3 behind CloudFront, with the REST API under the same origin.

``frontend/citizen``, ``frontend/staff`` and ``frontend/shared`` are uploaded (by ``python -m infrastructure.onboard
deploy``) to a private bucket that only this stack's CloudFront distribution may read (Origin Access Control).
CloudFront serves them at ``/citizen/``, ``/staff/`` and ``/shared/``, ``/config.js`` and the region's logo at
``/branding/<file>`` (uploaded beside them), redirects plain HTTP to
HTTPS, and adds the security headers of ``infrastructure/security_headers.py`` (the one definition the local gateway
sends too) to every answer. ``/api/*`` goes to the app stack's REST API (stage ``api``), so the API is on the
region's own origin, where Freja eID+ and SITHS send users back to
(``<PublicOrigin>/api/auth/oidc/<provider>/callback``). The WebSocket API is reached directly
(``wss://<id>.execute-api...``), which the Content-Security-Policy allows by name.

The app stack is deployed after this one, so its two API domains are parameters here (``ApiDomain``,
``WebSocketDomain``): empty on the very first deploy (no ``/api/*`` behaviour yet), filled from the app stack's
outputs by the deploy, which updates this stack again once the app stack exists.

The stack also holds the bucket the deploy uploads the app stack's code and template to (``nara-<tenant>-artifacts``):
the app stack's template is too large to be given inline.
"""

from __future__ import annotations

from typing import Any

from infrastructure import security_headers
from infrastructure.aws.data_stack import RETAIN, check_tenant
from infrastructure.definitions import TenantResources

FRONTENDS = ("citizen", "staff", "shared")  # the directories of frontend/, served under the same path
# AWS managed CloudFront policies (the same ids in every account).
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
_DOMAIN = r"([a-z0-9]([a-z0-9.-]*[a-z0-9])?)?"  # empty, or a host name
# The viewer-request function: "/" opens the citizen's pages, a directory its index.html (an S3 origin behind Origin
# Access Control serves objects by key only), and a path without a file name ("/staff") the directory
# (cloudfront-js-2.0).
INDEX_FUNCTION = """async function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri === "/") {
    return { statusCode: 302, statusDescription: "Found", headers: { location: { value: "/citizen/" } } };
  }
  if (uri.endsWith("/")) {
    request.uri = uri + "index.html";
  } else if (uri.split("/").pop().indexOf(".") < 0) {
    return { statusCode: 301, statusDescription: "Moved Permanently", headers: { location: { value: uri + "/" } } };
  }
  return request;
}
"""


def stack_name(tenant: str) -> str:
    return f"nara-{tenant}-web"


def web_bucket_name(tenant: str) -> str:
    return f"nara-{tenant}-web"


def artifacts_bucket_name(tenant: str) -> str:
    return f"nara-{tenant}-artifacts"


def photo_origins(resources: TenantResources) -> list[dict[str, Any]]:
    """Where browsers upload photos to and load thumbnails from (presigned S3 URLs, regional and global form)."""
    origins = []
    for bucket in resources.buckets:
        origins.append({"Fn::Sub": f"https://{bucket}.s3.${{AWS::Region}}.${{AWS::URLSuffix}}"})
        origins.append({"Fn::Sub": f"https://{bucket}.s3.${{AWS::URLSuffix}}"})
    return origins


def content_security_policy(resources: TenantResources) -> dict[str, Any]:
    """The Content-Security-Policy of ``security_headers`` as a CloudFormation string, with the region's photo
    bucket and (once the app stack exists) its WebSocket API."""
    websocket = {"Fn::If": ["HasWebSocket", {"Fn::Sub": " wss://${WebSocketDomain}"}, ""]}
    return {"Fn::Join": ["", security_headers.content_security_policy(photo_origins(resources), websocket)]}


def _private_bucket(name: str) -> dict[str, Any]:
    # Retained like every bucket of a region: a stack that goes away leaves what was uploaded.
    return {
        "Type": "AWS::S3::Bucket",
        **RETAIN,
        "Properties": {
            "BucketName": name,
            "BucketEncryption": {
                "ServerSideEncryptionConfiguration": [{"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
            },
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True,
                "BlockPublicPolicy": True,
                "IgnorePublicAcls": True,
                "RestrictPublicBuckets": True,
            },
            "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
            "VersioningConfiguration": {"Status": "Enabled"},
            "LifecycleConfiguration": {
                "Rules": [
                    {
                        "Id": "abort-incomplete-uploads",
                        "Status": "Enabled",
                        "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
                    },
                    {
                        "Id": "expire-replaced-versions",
                        "Status": "Enabled",
                        "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
                    },
                ]
            },
        },
    }


def _deny_plain_http(bucket: str) -> dict[str, Any]:
    return {
        "Sid": "DenyPlainHttp",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": [{"Fn::GetAtt": [bucket, "Arn"]}, {"Fn::Sub": f"${{{bucket}.Arn}}/*"}],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def _parameter(description: str, pattern: str, example: str) -> dict[str, Any]:
    return {
        "Type": "String",
        "Default": "",
        "MaxLength": 253,
        "AllowedPattern": pattern,
        "ConstraintDescription": f"empty, or like {example}",
        "Description": description,
    }


PARAMETERS: dict[str, Any] = {
    "ApiDomain": _parameter(
        "Host name of the app stack's REST API (<RestAPIId>.execute-api.<region>.amazonaws.com): CloudFront sends "
        "/api/* there. Empty until the app stack exists (python -m infrastructure.onboard deploy fills it).",
        _DOMAIN,
        "abc123defg.execute-api.eu-north-1.amazonaws.com",
    ),
    "WebSocketDomain": _parameter(
        "Host name of the app stack's WebSocket API (<WebsocketAPIId>.execute-api.<region>.amazonaws.com): the "
        "Content-Security-Policy lets the pages connect to it. Empty until the app stack exists.",
        _DOMAIN,
        "hij456klmn.execute-api.eu-north-1.amazonaws.com",
    ),
    "SiteDomain": _parameter(
        "The host of the region's public origin (e.g. nara.rjl.se), served by CloudFront when CertificateArn is given.",
        _DOMAIN,
        "nara.region.se",
    ),
    "CertificateArn": {
        "Type": "String",
        "Default": "",
        "AllowedPattern": r"(arn:aws[a-z-]*:acm:us-east-1:[0-9]{12}:certificate/[0-9a-f-]+)?",
        "ConstraintDescription": "empty, or an ACM certificate ARN in us-east-1 (CloudFront uses certificates there)",
        "Description": "ACM certificate (in us-east-1) for SiteDomain. Empty: CloudFront serves only its own "
        "*.cloudfront.net name.",
    },
}


def render(resources: TenantResources) -> dict[str, Any]:
    """The web stack's template as a dict."""
    tenant = check_tenant(resources.tenant)
    distribution_arn = {
        "Fn::Sub": "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${Distribution}",
    }
    res: dict[str, Any] = {
        "WebBucket": _private_bucket(web_bucket_name(tenant)),
        "WebBucketPolicy": {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": {"Ref": "WebBucket"},
                "PolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        _deny_plain_http("WebBucket"),
                        {
                            # Only this distribution, signing with Origin Access Control, reads the frontends.
                            "Sid": "DistributionReadsFrontends",
                            "Effect": "Allow",
                            "Principal": {"Service": "cloudfront.amazonaws.com"},
                            "Action": "s3:GetObject",
                            "Resource": {"Fn::Sub": "${WebBucket.Arn}/*"},
                            "Condition": {"StringEquals": {"AWS:SourceArn": distribution_arn}},
                        },
                    ],
                },
            },
        },
        "ArtifactsBucket": _private_bucket(artifacts_bucket_name(tenant)),
        "ArtifactsBucketPolicy": {
            "Type": "AWS::S3::BucketPolicy",
            "Properties": {
                "Bucket": {"Ref": "ArtifactsBucket"},
                "PolicyDocument": {"Version": "2012-10-17", "Statement": [_deny_plain_http("ArtifactsBucket")]},
            },
        },
        "WebOriginAccessControl": {
            "Type": "AWS::CloudFront::OriginAccessControl",
            "Properties": {
                "OriginAccessControlConfig": {
                    "Name": f"nara-{tenant}-web",
                    "Description": f"CloudFront reads the frontends of Nara region {tenant}",
                    "OriginAccessControlOriginType": "s3",
                    "SigningBehavior": "always",
                    "SigningProtocol": "sigv4",
                }
            },
        },
        "SecurityHeaders": {
            "Type": "AWS::CloudFront::ResponseHeadersPolicy",
            "Properties": {
                "ResponseHeadersPolicyConfig": {
                    "Name": f"nara-{tenant}-security-headers",
                    "Comment": f"Security headers of Nara region {tenant}",
                    "SecurityHeadersConfig": {
                        "ContentSecurityPolicy": {
                            "ContentSecurityPolicy": content_security_policy(resources),
                            "Override": True,
                        },
                        "StrictTransportSecurity": {
                            "AccessControlMaxAgeSec": security_headers.HSTS_SECONDS,
                            "IncludeSubdomains": security_headers.HSTS_INCLUDES_SUBDOMAINS,
                            "Preload": False,
                            "Override": True,
                        },
                        "ContentTypeOptions": {"Override": True},
                        "FrameOptions": {"FrameOption": security_headers.FRAME_OPTION, "Override": True},
                        "ReferrerPolicy": {"ReferrerPolicy": security_headers.REFERRER_POLICY, "Override": True},
                    },
                    "CustomHeadersConfig": {
                        "Items": [
                            {"Header": name, "Value": value, "Override": True}
                            for name, value in security_headers.CUSTOM_HEADERS.items()
                        ]
                    },
                }
            },
        },
        # The API is not cached (DefaultTTL 0: an answer without Cache-Control is not kept; MaxTTL 1 caps any other,
        # keyed by the caller's Authorization). CloudFront forwards the Authorization header of a GET only when the
        # cache policy names it, which it refuses when every TTL is 0.
        "ApiCachePolicy": {
            "Type": "AWS::CloudFront::CachePolicy",
            "Properties": {
                "CachePolicyConfig": {
                    "Name": f"nara-{tenant}-api",
                    "Comment": f"Nara region {tenant}: the API, not cached; Authorization forwarded",
                    "MinTTL": 0,
                    "DefaultTTL": 0,
                    "MaxTTL": 1,
                    "ParametersInCacheKeyAndForwardedToOrigin": {
                        "EnableAcceptEncodingGzip": False,
                        "EnableAcceptEncodingBrotli": False,
                        "HeadersConfig": {"HeaderBehavior": "whitelist", "Headers": ["Authorization"]},
                        "CookiesConfig": {"CookieBehavior": "none"},
                        "QueryStringsConfig": {"QueryStringBehavior": "all"},
                    },
                }
            },
        },
        "IndexFunction": {
            "Type": "AWS::CloudFront::Function",
            "Properties": {
                "Name": f"nara-{tenant}-index",
                "AutoPublish": True,
                "FunctionCode": INDEX_FUNCTION,
                "FunctionConfig": {
                    "Comment": "/ -> /citizen/, a directory -> its index.html",
                    "Runtime": "cloudfront-js-2.0",
                },
            },
        },
        "Distribution": {
            "Type": "AWS::CloudFront::Distribution",
            "Properties": {"DistributionConfig": _distribution(tenant)},
        },
    }
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"Nara web stack of region {tenant}: the frontends on S3 and CloudFront, the deploy's artifacts",
        "Parameters": PARAMETERS,
        "Conditions": {
            "HasApi": {"Fn::Not": [{"Fn::Equals": [{"Ref": "ApiDomain"}, ""]}]},
            "HasWebSocket": {"Fn::Not": [{"Fn::Equals": [{"Ref": "WebSocketDomain"}, ""]}]},
            "HasCertificate": {
                "Fn::And": [
                    {"Fn::Not": [{"Fn::Equals": [{"Ref": "CertificateArn"}, ""]}]},
                    {"Fn::Not": [{"Fn::Equals": [{"Ref": "SiteDomain"}, ""]}]},
                ]
            },
        },
        "Resources": res,
        "Outputs": {
            "WebBucketName": {"Value": {"Ref": "WebBucket"}},
            "ArtifactsBucketName": {"Value": {"Ref": "ArtifactsBucket"}},
            "DistributionId": {"Value": {"Ref": "Distribution"}},
            "DistributionDomainName": {"Value": {"Fn::GetAtt": ["Distribution", "DomainName"]}},
        },
    }


def _distribution(tenant: str) -> dict[str, Any]:
    api_behaviour = {
        "PathPattern": "/api/*",
        "TargetOriginId": "api",
        "ViewerProtocolPolicy": "redirect-to-https",
        "AllowedMethods": ["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"],
        "CachedMethods": ["GET", "HEAD"],
        "CachePolicyId": {"Ref": "ApiCachePolicy"},
        "OriginRequestPolicyId": ALL_VIEWER_EXCEPT_HOST_HEADER,
        "ResponseHeadersPolicyId": {"Ref": "SecurityHeaders"},
        "Compress": True,
    }
    api_origin = {
        "Id": "api",
        "DomainName": {"Ref": "ApiDomain"},
        "CustomOriginConfig": {
            "OriginProtocolPolicy": "https-only",
            "HTTPSPort": 443,
            "OriginSSLProtocols": ["TLSv1.2"],
            "OriginReadTimeout": 30,
        },
    }
    web_origin = {
        "Id": "web",
        "DomainName": {"Fn::GetAtt": ["WebBucket", "RegionalDomainName"]},
        "OriginAccessControlId": {"Fn::GetAtt": ["WebOriginAccessControl", "Id"]},
        "S3OriginConfig": {"OriginAccessIdentity": ""},
    }
    return {
        "Comment": f"Nara region {tenant}",
        "Enabled": True,
        "HttpVersion": "http2and3",
        "IPV6Enabled": True,
        "PriceClass": "PriceClass_100",  # Europe and North America: where Swedish users are
        "Aliases": {"Fn::If": ["HasCertificate", [{"Ref": "SiteDomain"}], {"Ref": "AWS::NoValue"}]},
        "ViewerCertificate": {
            "Fn::If": [
                "HasCertificate",
                {
                    "AcmCertificateArn": {"Ref": "CertificateArn"},
                    "SslSupportMethod": "sni-only",
                    "MinimumProtocolVersion": "TLSv1.2_2021",
                },
                {"CloudFrontDefaultCertificate": True},
            ]
        },
        "Origins": {"Fn::If": ["HasApi", [web_origin, api_origin], [web_origin]]},
        "DefaultCacheBehavior": {
            "TargetOriginId": "web",
            "ViewerProtocolPolicy": "redirect-to-https",
            "AllowedMethods": ["GET", "HEAD"],
            "CachedMethods": ["GET", "HEAD"],
            "CachePolicyId": CACHING_OPTIMIZED,
            "ResponseHeadersPolicyId": {"Ref": "SecurityHeaders"},
            "Compress": True,
            "FunctionAssociations": [
                {"EventType": "viewer-request", "FunctionARN": {"Fn::GetAtt": ["IndexFunction", "FunctionARN"]}}
            ],
        },
        "CacheBehaviors": {"Fn::If": ["HasApi", [api_behaviour], {"Ref": "AWS::NoValue"}]},
    }
