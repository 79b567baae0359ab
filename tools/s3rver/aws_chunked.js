// Koa middleware for s3rver: decodes request bodies sent with SigV4
// streaming signatures (x-amz-content-sha256: STREAMING-AWS4-HMAC-SHA256-PAYLOAD,
// "aws-chunked" framing "<hex size>;chunk-signature=<sig>\r\n<bytes>\r\n"...),
// which s3rver 3.7.1 would store verbatim. minio-go (restic's S3 backend)
// uses them over plain http; the bench compares against restic. Chunk
// signatures are not checked (s3rver checks no signature).
'use strict';

const { Transform } = require('stream');

class AwsChunkedDecoder extends Transform {
  constructor() {
    super();
    this.buffer = Buffer.alloc(0);
    this.remaining = -1; // bytes of the current chunk still to pass on; -1: expecting a header
    this.done = false;
  }

  _transform(data, encoding, callback) {
    this.buffer = Buffer.concat([this.buffer, data]);
    for (;;) {
      if (this.done) break;
      if (this.remaining < 0) {
        const eol = this.buffer.indexOf('\r\n');
        if (eol < 0) break;
        const size = parseInt(this.buffer.subarray(0, eol).toString('latin1').split(';')[0], 16);
        if (Number.isNaN(size)) return callback(new Error('malformed aws-chunked body'));
        this.buffer = this.buffer.subarray(eol + 2);
        if (size === 0) {
          this.done = true;
          break;
        }
        this.remaining = size;
      }
      if (this.buffer.length < this.remaining + 2) {
        if (this.buffer.length > 0 && this.buffer.length <= this.remaining) {
          this.push(this.buffer);
          this.remaining -= this.buffer.length;
          this.buffer = Buffer.alloc(0);
        }
        break;
      }
      this.push(this.buffer.subarray(0, this.remaining));
      this.buffer = this.buffer.subarray(this.remaining + 2); // the chunk's trailing \r\n
      this.remaining = -1;
    }
    callback();
  }
}

module.exports = async function decodeAwsChunked(ctx, next) {
  if (ctx.get('x-amz-content-sha256') === 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD') {
    const decoded = ctx.get('x-amz-decoded-content-length');
    const original = ctx.req;
    if (decoded) original.headers['content-length'] = decoded;
    const decoder = new AwsChunkedDecoder();
    original.pipe(decoder);
    ctx.req = decoder;
  }
  await next();
};
