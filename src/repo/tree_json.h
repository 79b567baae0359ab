// Internal to repo/: decoding one tree node from its parsed JSON object, for
// trees (tree.cc) and the snapshot's .env entry (snapshot.cc). Kept out of
// repo/tree.h so that the files which only use trees do not compile simdjson.
#pragma once

#include <simdjson.h>

#include <string>

#include "common/status.h"
#include "repo/tree.h"

namespace pb::repo {

// Parses and validates one node object (name, type, sizes). `what` names it.
Result<Node> DecodeNode(simdjson::dom::object obj, const std::string& what);

}  // namespace pb::repo
