#include "repo/s3/s3_client.h"

#include <cstdlib>
#include <ctime>
#include <random>
#include <thread>

#include "common/sha256.h"
#include "repo/s3/xml_text.h"

namespace pb::repo::s3 {
namespace {

std::string AmzDate() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

uint64_t Random64() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng();
}

bool Success(const HttpResponse& r) { return r.status >= 200 && r.status < 300; }

// The object's total size from "Content-Range: bytes a-b/SIZE" or "bytes */SIZE"; "" when unknown.
std::string TotalFromContentRange(const std::string& content_range) {
  size_t slash = content_range.rfind('/');
  return slash == std::string::npos ? "" : content_range.substr(slash + 1);
}

}  // namespace

S3Client::S3Client(Config config, RetryPolicy retry) : config_(std::move(config)), retry_(retry) {}

std::string S3Client::Url(std::string_view key) const {
  return "s3://" + config_.location.bucket + "/" + std::string(key);
}

Result<HttpResponse> S3Client::Send(const std::string& method, const std::string& key, const HeaderList& query,
                                    HeaderList headers, std::string_view body, const std::string& what) {
  const Endpoint& ep = config_.endpoint;
  const std::string& bucket = config_.location.bucket;
  const std::string host = config_.path_style ? ep.HostHeader() : bucket + "." + ep.HostHeader();
  std::string path = config_.path_style ? "/" + bucket + (key.empty() ? "" : "/" + key) : "/" + key;
  std::string url = ep.scheme + "://" + host + UriEncode(path, true);
  if (!query.empty()) url += "?" + CanonicalQuery(query);
  const std::string payload_hash = Sha256Hex(body);
  headers.emplace_back("host", host);
  headers.emplace_back("x-amz-content-sha256", payload_hash);
  if (!config_.credentials.session_token.empty()) {
    headers.emplace_back("x-amz-security-token", config_.credentials.session_token);
  }
  Status last_error;
  for (int attempt = 1; attempt <= retry_.max_attempts; ++attempt) {
    if (attempt > 1) {
      ++retries_;
      std::this_thread::sleep_for(retry_.DelayBefore(attempt, Random64()));
    }
    const std::string amz_date = AmzDate();
    SigningRequest signing{method, path, query, headers, payload_hash};
    signing.headers.emplace_back("x-amz-date", amz_date);
    HttpRequest request{method, url, signing.headers, body};
    request.headers.emplace_back("Authorization",
                                 AuthorizationHeader(signing, config_.credentials, config_.region, "s3", amz_date));
    auto response = Perform(request);
    if (!response.ok()) {
      last_error = response.status();
      continue;
    }
    if (IsRetryableStatus(response->status) && attempt < retry_.max_attempts) continue;
    return response;
  }
  return Status::Unavailable(what + ": cannot reach the S3 endpoint " + ep.scheme + "://" + ep.HostHeader() +
                             " after " + std::to_string(retry_.max_attempts) + " attempts (" +
                             last_error.message() +
                             "): check that the service is up and --s3-endpoint / AWS_ENDPOINT_URL_S3 / "
                             "AWS_ENDPOINT_URL, then retry");
}

Status S3Client::Failure(const HttpResponse& response, const std::string& what) const {
  const std::string code = XmlText(response.body, "Code");
  const std::string message = XmlText(response.body, "Message");
  const std::string answer = std::to_string(response.status) + (code.empty() ? "" : " " + code);
  const std::string& bucket = config_.location.bucket;
  const std::string endpoint = config_.endpoint.scheme + "://" + config_.endpoint.HostHeader();
  if (response.status == 404 && code == "NoSuchBucket") {
    return Status::NotFound(what + ": the bucket \"" + bucket + "\" does not exist at " + endpoint +
                            ": create the bucket (aws s3 mb s3://" + bucket +
                            ") or correct --repo / --s3-endpoint");
  }
  if (response.status == 404) return Status::NotFound(what + ": the object does not exist");
  if (response.status == 403 || code == "InvalidAccessKeyId" || code == "SignatureDoesNotMatch") {
    return Status::IOError(what + ": S3 refused the request (" + answer +
                           "): check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN, AWS_REGION=" +
                           config_.region + ") and that this key may read and write s3://" + bucket + "/" +
                           config_.location.prefix);
  }
  if (IsRetryableStatus(response.status)) {
    return Status::Unavailable(what + ": the S3 endpoint " + endpoint + " answered " + answer + " " +
                               std::to_string(retry_.max_attempts) +
                               " times: the storage service is failing or overloaded; retry later");
  }
  return Status::IOError(what + ": S3 answered " + answer + (message.empty() ? "" : ": " + message));
}

Result<ObjectInfo> S3Client::Head(const std::string& key) {
  const std::string what = "HEAD " + Url(key);
  auto r = Send("HEAD", key, {}, {}, {}, what);
  if (!r.ok()) return r.status();
  if (!Success(*r)) return Failure(*r, what);
  ObjectInfo info;
  info.size = std::strtoull(r->Header("content-length").c_str(), nullptr, 10);
  info.sha256 = r->Header(std::string(kSha256Header));
  return info;
}

Result<std::string> S3Client::Get(const std::string& key) {
  const std::string what = "GET " + Url(key);
  auto r = Send("GET", key, {}, {}, {}, what);
  if (!r.ok()) return r.status();
  if (!Success(*r)) return Failure(*r, what);
  std::string recorded = r->Header(std::string(kSha256Header));
  if (!recorded.empty() && Sha256Hex(r->body) != recorded) {
    return Status::Corruption(Url(key) + " holds " + std::to_string(r->body.size()) +
                              " bytes whose SHA-256 differs from the one recorded when it was written (" +
                              std::string(kSha256Header) +
                              "): the object is damaged or was replaced by another tool; run paymentsctl check");
  }
  return std::move(r->body);
}

Result<std::string> S3Client::GetRange(const std::string& key, uint64_t offset, uint64_t length) {
  const std::string what = "GET " + Url(key);
  HeaderList headers = {{"range", "bytes=" + std::to_string(offset) + "-" + std::to_string(offset + length - 1)}};
  auto r = Send("GET", key, {}, headers, {}, what);
  if (!r.ok()) return r.status();
  auto past_end = [&](std::string size) {
    if (size.empty()) {  // a 416 without Content-Range (s3rver): the contract names the size
      auto info = Head(key);
      if (info.ok()) size = std::to_string(info->size);
    }
    return Status::Corruption(Url(key) + " is " + (size.empty() ? "shorter" : size + " bytes") + "; the range of " +
                              std::to_string(length) + " bytes at offset " + std::to_string(offset) +
                              " ends past its end: the object or the index pointing into it is damaged; "
                              "run paymentsctl check");
  };
  if (r->status == 416) return past_end(TotalFromContentRange(r->Header("content-range")));
  if (!Success(*r)) return Failure(*r, what);
  if (r->status == 200) {  // the server ignored Range: the body is the whole object
    if (r->body.size() < offset + length) return past_end(std::to_string(r->body.size()));
    return r->body.substr(offset, length);
  }
  if (r->body.size() != length) return past_end(TotalFromContentRange(r->Header("content-range")));
  return std::move(r->body);
}

Status S3Client::Put(const std::string& key, std::string_view body, const std::string& sha256_hex) {
  const std::string what = "PUT " + Url(key);
  auto r = Send("PUT", key, {}, {{std::string(kSha256Header), sha256_hex}}, body, what);
  if (!r.ok()) return r.status();
  return Success(*r) ? Status::Ok() : Failure(*r, what);
}

Status S3Client::Delete(const std::string& key) {
  const std::string what = "DELETE " + Url(key);
  auto r = Send("DELETE", key, {}, {}, {}, what);
  if (!r.ok()) return r.status();
  return Success(*r) ? Status::Ok() : Failure(*r, what);
}

Result<std::vector<ListedObject>> S3Client::List(const std::string& prefix, size_t limit) {
  const std::string what = "LIST " + Url(prefix);
  std::vector<ListedObject> out;
  std::string token;
  for (;;) {
    HeaderList query = {{"list-type", "2"},
                        {"prefix", prefix},
                        {"max-keys", std::to_string(config_.list_page_size)}};
    if (!token.empty()) query.emplace_back("continuation-token", token);
    auto r = Send("GET", "", query, {}, {}, what);
    if (!r.ok()) return r.status();
    if (!Success(*r)) return Failure(*r, what);
    for (std::string_view item : XmlElements(r->body, "Contents")) {
      out.push_back({XmlText(item, "Key"), std::strtoull(XmlText(item, "Size").c_str(), nullptr, 10)});
    }
    if (out.size() >= limit || XmlText(r->body, "IsTruncated") != "true") break;
    std::string next = XmlText(r->body, "NextContinuationToken");
    if (next.empty() || next == token) {
      return Status::IOError(what + ": the listing is truncated but gives no new continuation token: the "
                             "S3 service is not compatible");
    }
    token = std::move(next);
  }
  return out;
}

Result<std::string> S3Client::CreateMultipartUpload(const std::string& key, const std::string& sha256_hex) {
  const std::string what = "create a multipart upload of " + Url(key);
  auto r = Send("POST", key, {{"uploads", ""}}, {{std::string(kSha256Header), sha256_hex}}, {}, what);
  if (!r.ok()) return r.status();
  if (!Success(*r)) return Failure(*r, what);
  std::string id = XmlText(r->body, "UploadId");
  if (id.empty()) return Status::IOError(what + ": the answer has no UploadId");
  return id;
}

Result<std::string> S3Client::UploadPart(const std::string& key, const std::string& upload_id, int part_number,
                                         std::string_view body) {
  const std::string what = "upload part " + std::to_string(part_number) + " of " + Url(key);
  auto r = Send("PUT", key, {{"partNumber", std::to_string(part_number)}, {"uploadId", upload_id}}, {}, body, what);
  if (!r.ok()) return r.status();
  if (!Success(*r)) return Failure(*r, what);
  std::string etag = r->Header("etag");
  if (etag.empty()) return Status::IOError(what + ": the answer has no ETag");
  return etag;
}

Status S3Client::CompleteMultipartUpload(const std::string& key, const std::string& upload_id,
                                         const std::vector<std::string>& etags) {
  const std::string what = "complete the multipart upload of " + Url(key);
  std::string xml = "<CompleteMultipartUpload>";
  for (size_t i = 0; i < etags.size(); ++i) {
    xml += "<Part><PartNumber>" + std::to_string(i + 1) + "</PartNumber><ETag>" + XmlEscape(etags[i]) +
           "</ETag></Part>";
  }
  xml += "</CompleteMultipartUpload>";
  auto r = Send("POST", key, {{"uploadId", upload_id}}, {}, xml, what);
  if (!r.ok()) return r.status();
  if (!Success(*r)) return Failure(*r, what);
  // S3 may answer 200 and report the failure in the body.
  std::string code = XmlText(r->body, "Code");
  if (!code.empty()) {
    return Status::Unavailable(what + ": S3 reported " + code + " " + XmlText(r->body, "Message") + "; retry later");
  }
  return Status::Ok();
}

Status S3Client::AbortMultipartUpload(const std::string& key, const std::string& upload_id) {
  const std::string what = "abort the multipart upload of " + Url(key);
  auto r = Send("DELETE", key, {{"uploadId", upload_id}}, {}, {}, what);
  if (!r.ok()) return r.status();
  return Success(*r) ? Status::Ok() : Failure(*r, what);
}

Result<std::optional<std::vector<PendingUpload>>> S3Client::ListMultipartUploads(const std::string& prefix) {
  const std::string what = "list the unfinished multipart uploads under " + Url(prefix);
  std::vector<PendingUpload> out;
  std::string key_marker, id_marker;
  for (;;) {
    HeaderList query = {{"uploads", ""}, {"prefix", prefix}};
    if (!key_marker.empty()) query.emplace_back("key-marker", key_marker);
    if (!id_marker.empty()) query.emplace_back("upload-id-marker", id_marker);
    auto r = Send("GET", "", query, {}, {}, what);
    if (!r.ok()) return r.status();
    if (r->status == 501 || r->status == 405 || XmlText(r->body, "Code") == "NotImplemented") {
      return std::optional<std::vector<PendingUpload>>();
    }
    if (!Success(*r)) return Failure(*r, what);
    for (std::string_view item : XmlElements(r->body, "Upload")) {
      out.push_back({XmlText(item, "Key"), XmlText(item, "UploadId")});
    }
    std::string next_key = XmlText(r->body, "NextKeyMarker");
    std::string next_id = XmlText(r->body, "NextUploadIdMarker");
    if (XmlText(r->body, "IsTruncated") != "true" || (next_key == key_marker && next_id == id_marker)) break;
    key_marker = std::move(next_key);
    id_marker = std::move(next_id);
  }
  return std::optional<std::vector<PendingUpload>>(std::move(out));
}

}  // namespace pb::repo::s3
