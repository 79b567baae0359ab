// repo/s3/: reading the few fields we need from S3's XML answers (listings,
// errors, upload ids). Not a general XML parser: S3 responses are flat,
// attribute-free where we read them, and entity-escaped.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pb::repo::s3 {

// The contents of every <tag>...</tag> element in `xml` (not nested in
// another element of the same tag), in order, raw (entities kept).
std::vector<std::string_view> XmlElements(std::string_view xml, std::string_view tag);

// The decoded text of the first <tag>...</tag>, "" when absent.
std::string XmlText(std::string_view xml, std::string_view tag);

// Escapes & < > " ' for element text.
std::string XmlEscape(std::string_view text);

}  // namespace pb::repo::s3
