// cluster/: the lines of the stream between a primary and its standbys
// (docs/cluster.md, "The stream"): the standby's hello, the primary's
// answer and the standby's acknowledgements. One owner of their syntax;
// pure functions, no I/O.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/sha256.h"
#include "common/status.h"

namespace pb::cluster {

inline constexpr int kStreamVersion = 1;

// Whether `name` is a valid --node-name: [A-Za-z0-9._-]{1,64}.
bool ValidNodeName(std::string_view name);

// What a standby says first: who it is and where its journal ends.
struct Hello {
  int version = kStreamVersion;
  std::string node;
  uint64_t seq = 0;    // its last durable record (0: empty journal)
  Digest hash{};       // that record's hash (zeros for seq 0)
  std::string token;   // "" when the standby has none
};
// "PAYMENTS-REPLICATION 1 <node> <seq> <hash> <token or ->" (no newline).
std::string FormatHello(const Hello& hello);
// InvalidArgument naming what is wrong with `line` (no newline).
Result<Hello> ParseHello(std::string_view line);

// Why a primary refuses a standby (the kinds of "ERR <kind> <message>").
enum class Refusal { kVersion, kToken, kDiverged, kAhead, kBusy };
std::string_view RefusalName(Refusal r);

// The primary's answer: OK, or a refusal with a message for the operator.
struct Answer {
  bool ok = false;
  std::string node;         // ok: the primary's name
  uint64_t durable_seq = 0; // ok: the primary's last durable record
  Refusal refusal = Refusal::kVersion;
  std::string message;      // !ok
};
std::string FormatAnswer(const Answer& answer);  // no newline
// InvalidArgument when `line` is neither a valid OK nor a valid ERR line.
Result<Answer> ParseAnswer(std::string_view line);

// "ACK <seq>", and its reading: InvalidArgument for anything else.
std::string FormatAck(uint64_t seq);
Result<uint64_t> ParseAck(std::string_view line);

}  // namespace pb::cluster
