#!/usr/bin/env -S node --openssl-legacy-provider
// The S3 endpoint of the tests: s3rver on ADDRESS:PORT storing in DIR, with
// BUCKET created, knowing only the access key id given in the environment
// (S3RVER_ACCESS_KEY_ID, S3RVER_SECRET_ACCESS_KEY): another key id is refused
// with 403 InvalidAccessKeyId. s3rver does not verify SigV4 signatures (the
// signer has known-answer tests instead).
// Usage: node --openssl-legacy-provider serve.js ADDRESS PORT DIR BUCKET
// (s3rver's ListObjectsV2 continuation tokens use DES, which OpenSSL 3 only
// has in its legacy provider).
// Prints "listening ADDRESS:PORT" on stdout once it accepts connections.
'use strict';

const path = require('path');
const S3rver = require('s3rver');
const AWSAccount = require('s3rver/lib/models/account');
const decodeAwsChunked = require('./aws_chunked');

const [address, port, directory, bucket] = process.argv.slice(2);
const id = process.env.S3RVER_ACCESS_KEY_ID;
const secret = process.env.S3RVER_SECRET_ACCESS_KEY;
if (!address || !port || !directory || !bucket || !id || !secret) {
  console.error('usage: S3RVER_ACCESS_KEY_ID=.. S3RVER_SECRET_ACCESS_KEY=.. node serve.js ADDRESS PORT DIR BUCKET');
  process.exit(2);
}
AWSAccount.DUMMY_ACCOUNT.revokeAccessKey('S3RVER');
AWSAccount.DUMMY_ACCOUNT.createKeyPair(id, secret);

const server = new S3rver({
  address,
  port: Number(port),
  directory: path.resolve(directory),
  silent: true,
  configureBuckets: [{ name: bucket, configs: [] }],
});
server.middleware.unshift(decodeAwsChunked); // before s3rver's own
server
  .run()
  .then(({ address: a, port: p }) => console.log(`listening ${a}:${p}`))
  .catch((err) => {
    console.error(err.message);
    process.exit(1);
  });
