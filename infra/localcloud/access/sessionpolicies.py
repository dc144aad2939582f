"""The AWS managed session policies the local cloud's credentials can be scoped down with.

A session policy does not grant anything: a request is allowed only when both
the role's policies and the session policy allow it. Cognito Identity's
enhanced flow (GetCredentialsForIdentity) attaches
``AmazonCognitoUnAuthedIdentitiesSessionPolicy`` to every guest's credentials,
so a guest role's permission on any service outside that list (execute-api, S3,
DynamoDB...) is void there; STS's AssumeRoleWithWebIdentity (the basic flow)
attaches none.
"""

from __future__ import annotations

from localcloud.access.policy import Policy

COGNITO_UNAUTHED = "AmazonCognitoUnAuthedIdentitiesSessionPolicy"

# arn:aws:iam::aws:policy/AmazonCognitoUnAuthedIdentitiesSessionPolicy, version v3 (AWS's default since 2024-11-01).
_COGNITO_UNAUTHED_V3 = {
    "Version": "2012-10-17",
    "Statement": [{
        "Sid": "CognitoUnAuthedIdentitiesSessionPolicy",
        "Effect": "Allow",
        "Action": [
            "rum:PutRumEvents", "sagemaker:InvokeEndpoint", "polly:*", "comprehend:*", "translate:*",
            "transcribe:*", "rekognition:*", "mobiletargeting:*", "firehose:*", "personalize:*", "geo:GetMap*",
            "geo:SearchPlaceIndex*", "geo:GetPlace", "geo:CalculateRoute*", "geo:*Geofence", "geo:*Geofences",
            "geo:*DevicePosition*", "kms:Encrypt", "kms:Decrypt", "kms:ReEncryptTo", "kms:ReEncryptFrom",
            "kms:GenerateDataKey", "kms:GenerateDataKeyPair", "kms:GenerateDataKeyPairWithoutPlaintext",
            "kms:GenerateDataKeyWithoutPlaintext",
        ],
        "Resource": "*",
    }],
}

MANAGED_SESSION_POLICIES = {COGNITO_UNAUTHED: Policy.from_documents([_COGNITO_UNAUTHED_V3])}
