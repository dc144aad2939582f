// The baseline: the same two clients from the AWS SDK for JavaScript v3, bundled by esbuild.
import { S3Client } from "@aws-sdk/client-s3";
import { CognitoIdentityClient } from "@aws-sdk/client-cognito-identity";

const credentials = { accessKeyId: "bench", secretAccessKey: "bench" };
globalThis.clients = [new S3Client({ region: "us-east-1", credentials }), new CognitoIdentityClient({ region: "us-east-1" })];
document.body.dataset.ready = String(performance.now());
