"""The site as AWS serves it, in two parts, as on AWS.

- ``endpoint``: the site bucket's S3 *website endpoint* (``endpoints.json``'s
  ``site_bucket_website``): index and error documents, S3's own 403/404 pages, each object's
  stored headers, ``x-amz-website-redirect-location``, anonymous reads as the bucket policy
  and Block Public Access allow them. HTTP only, no security headers, no compression.
- ``localcloud.site_server``: the CloudFront distribution in front (``endpoints.site``, the
  address people open): the response headers policy, compression, the origin's answers.

``bucket`` reads what the endpoint serves: a bucket in moto, or a folder as ``make deploy``
would publish it (test and benchmark pages). ``publisher`` puts site/ into the site bucket with
the deploy's own code, at start and again on every change a browser's reload would see.
"""
