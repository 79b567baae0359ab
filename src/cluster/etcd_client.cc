#include "cluster/etcd_client.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <simdjson.h>

#include <charconv>
#include <memory>

namespace pb::cluster {
namespace {

std::string Base64(std::string_view bin) {
  std::string out(4 * ((bin.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bin.data()), static_cast<int>(bin.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

bool FromBase64(std::string_view b64, std::string* out) {
  if (b64.size() % 4 != 0) return false;
  out->assign(b64.size() / 4 * 3 + 1, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out->data()),
                                reinterpret_cast<const unsigned char*>(b64.data()), static_cast<int>(b64.size()));
  if (n < 0) return false;
  size_t len = static_cast<size_t>(n);
  for (size_t i = b64.size(); i > 0 && b64[i - 1] == '='; --i) --len;  // EVP_DecodeBlock keeps the padding's zeros
  out->resize(len);
  return true;
}

// An int64 etcd sends as a string (or a number); 0 when absent.
int64_t Int64Field(simdjson::dom::element e, std::string_view key) {
  simdjson::dom::element v;
  if (e[key].get(v) != simdjson::SUCCESS) return 0;
  std::string_view text;
  int64_t n = 0;
  if (v.get_string().get(text) == simdjson::SUCCESS) {
    std::from_chars(text.data(), text.data() + text.size(), n);
    return n;
  }
  if (v.get_int64().get(n) == simdjson::SUCCESS) return n;
  return 0;
}

size_t Collect(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

Status Malformed(const std::string& what) {
  return Status::Unavailable("etcd answered something unexpected to " + what);
}

}  // namespace

Result<std::string> EtcdClient::Call(const std::string& path, const std::string& body) {
  std::string tried;
  for (size_t i = 0; i < endpoints_.size(); ++i) {
    const size_t at = (preferred_ + i) % endpoints_.size();
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
    if (!curl) return Status::Unavailable("cannot start an HTTP client for etcd");
    const std::string url = endpoints_[at] + path;
    std::string answer;
    curl_easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_.count()));
    curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(curl.get(), CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
    curl_easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, Collect);
    curl_easy_setopt(curl.get(), CURLOPT_WRITEDATA, &answer);
    const CURLcode rc = curl_easy_perform(curl.get());
    long status = 0;
    curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
    if (rc == CURLE_OK && status == 200) {
      preferred_ = at;
      return answer;
    }
    tried += (tried.empty() ? "" : "; ") + endpoints_[at] + ": " +
             (rc != CURLE_OK ? curl_easy_strerror(rc) : "HTTP " + std::to_string(status));
  }
  return Status::Unavailable("etcd did not answer " + path + " (" + tried + ")");
}

Result<int64_t> EtcdClient::GrantLease(int64_t ttl_seconds) {
  PB_ASSIGN_OR_RETURN(std::string body, Call("/v3/lease/grant", "{\"TTL\":" + std::to_string(ttl_seconds) + "}"));
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body).get(doc) != simdjson::SUCCESS || Int64Field(doc, "ID") == 0) return Malformed("a lease grant");
  return Int64Field(doc, "ID");
}

Result<int64_t> EtcdClient::KeepAlive(int64_t lease) {
  PB_ASSIGN_OR_RETURN(std::string body, Call("/v3/lease/keepalive", "{\"ID\":\"" + std::to_string(lease) + "\"}"));
  simdjson::dom::parser parser;
  simdjson::dom::element doc, result;
  if (parser.parse(body).get(doc) != simdjson::SUCCESS || doc["result"].get(result) != simdjson::SUCCESS) {
    return Malformed("a lease keep-alive");
  }
  return Int64Field(result, "TTL");
}

Status EtcdClient::RevokeLease(int64_t lease) {
  return Call("/v3/lease/revoke", "{\"ID\":\"" + std::to_string(lease) + "\"}").status();
}

Result<std::optional<int64_t>> EtcdClient::CreateIfAbsent(const std::string& key, const std::string& value,
                                                          int64_t lease) {
  const std::string k = Base64(key);
  const std::string body = "{\"compare\":[{\"key\":\"" + k +
                           "\",\"target\":\"CREATE\",\"createRevision\":\"0\"}],\"success\":[{\"requestPut\":{\"key\":\"" +
                           k + "\",\"value\":\"" + Base64(value) + "\",\"lease\":\"" + std::to_string(lease) + "\"}}]}";
  PB_ASSIGN_OR_RETURN(std::string answer, Call("/v3/kv/txn", body));
  simdjson::dom::parser parser;
  simdjson::dom::element doc, header;
  if (parser.parse(answer).get(doc) != simdjson::SUCCESS || doc["header"].get(header) != simdjson::SUCCESS) {
    return Malformed("a transaction");
  }
  bool succeeded = false;
  if (doc["succeeded"].get_bool().get(succeeded) != simdjson::SUCCESS) succeeded = false;  // absent: false
  if (!succeeded) return std::optional<int64_t>();
  return std::optional<int64_t>(Int64Field(header, "revision"));
}

Result<std::optional<EtcdKey>> EtcdClient::Get(const std::string& key) {
  PB_ASSIGN_OR_RETURN(std::string answer, Call("/v3/kv/range", "{\"key\":\"" + Base64(key) + "\"}"));
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(answer).get(doc) != simdjson::SUCCESS) return Malformed("a read");
  simdjson::dom::array kvs;
  if (doc["kvs"].get_array().get(kvs) != simdjson::SUCCESS || kvs.size() == 0) return std::optional<EtcdKey>();
  simdjson::dom::element kv = kvs.at(0);
  std::string_view b64;
  EtcdKey out;
  if (kv["value"].get_string().get(b64) != simdjson::SUCCESS || !FromBase64(b64, &out.value)) return Malformed("a read");
  out.create_revision = Int64Field(kv, "create_revision");
  out.lease = Int64Field(kv, "lease");
  return std::optional<EtcdKey>(std::move(out));
}

}  // namespace pb::cluster
