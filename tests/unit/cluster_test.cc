// cluster/ without a network (docs/cluster.md): the stream's lines read back
// what was written and refuse what is not theirs; the primary's SyncGate
// releases a change only once it is durable here and on the required
// standbys, never goes back, and refuses writes while no standby is in step.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "cluster/protocol.h"
#include "cluster/sync_gate.h"
#include "common/sha256.h"

namespace pb::cluster {
namespace {

using std::chrono::milliseconds;

TEST(ClusterProtocol, HelloAnswerAndAckReadBackWhatWasWritten) {
  Hello h{kStreamVersion, "node-b.1", 42, Sha256Of("x"), "s3cret"};
  auto back = ParseHello(FormatHello(h));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->node, "node-b.1");
  EXPECT_EQ(back->seq, 42u);
  EXPECT_EQ(back->hash, h.hash);
  EXPECT_EQ(back->token, "s3cret");
  h.token.clear();
  EXPECT_EQ(FormatHello(h).substr(FormatHello(h).size() - 2), " -");
  EXPECT_EQ(ParseHello(FormatHello(h))->token, "");

  auto ok = ParseAnswer(FormatAnswer({.ok = true, .node = "a", .durable_seq = 7}));
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(ok->ok);
  EXPECT_EQ(ok->node, "a");
  EXPECT_EQ(ok->durable_seq, 7u);
  auto err = ParseAnswer(FormatAnswer({.refusal = Refusal::kDiverged, .message = "two\nlines"}));
  ASSERT_TRUE(err.ok());
  EXPECT_FALSE(err->ok);
  EXPECT_EQ(err->refusal, Refusal::kDiverged);
  EXPECT_EQ(err->message, "two lines");  // one line on the wire

  EXPECT_EQ(*ParseAck(FormatAck(123)), 123u);
}

TEST(ClusterProtocol, LinesThatAreNotTheStreamsAreRefused) {
  const std::string zeros(64, '0');
  for (const std::string& bad :
       {std::string(""), std::string("GET / HTTP/1.1"), "PAYMENTS-REPLICATION 1 b 1 " + zeros,
        "PAYMENTS-REPLICATION 1 b c " + zeros + " -", "PAYMENTS-REPLICATION 1 b 01 " + zeros + " -",
        "PAYMENTS-REPLICATION 1 b/c 1 " + zeros + " -", "PAYMENTS-REPLICATION 1 b 1 " + zeros.substr(1) + " -",
        "PAYMENTS-REPLICATION 1 b 1 " + zeros + " two words"}) {
    EXPECT_FALSE(ParseHello(bad).ok()) << bad;
  }
  for (const std::string bad : {"OK", "OK a", "OK a x", "ERR nope message", "HELLO"}) {
    EXPECT_FALSE(ParseAnswer(bad).ok()) << bad;
  }
  for (const std::string bad : {"ACK", "ACK -1", "ACK 1 2", "ack 1", "ACK 99999999999999999999999"}) {
    EXPECT_FALSE(ParseAck(bad).ok()) << bad;
  }
  EXPECT_FALSE(ValidNodeName(""));
  EXPECT_FALSE(ValidNodeName(std::string(65, 'a')));
  EXPECT_TRUE(ValidNodeName(std::string(64, 'a')));
}

// Records what the gate releases.
struct Released {
  std::vector<uint64_t> seqs;
  void Attach(SyncGate* gate) {
    gate->SetRelease([this](uint64_t seq) { seqs.push_back(seq); });
  }
};

TEST(SyncGate, WithoutRequiredStandbysDurableHereIsReleased) {
  SyncGate gate(0, milliseconds(1000), 5);
  Released r;
  r.Attach(&gate);
  EXPECT_TRUE(gate.AcceptsWrites().ok());
  gate.LocalDurable(6);
  gate.LocalDurable(8);
  EXPECT_EQ(r.seqs, (std::vector<uint64_t>{6, 8}));
}

TEST(SyncGate, AChangeIsReleasedOnlyOnceDurableHereAndOnTheRequiredStandbys) {
  SyncGate gate(1, milliseconds(60000), 0);
  Released r;
  r.Attach(&gate);
  EXPECT_FALSE(gate.AcceptsWrites().ok()) << "no standby yet";
  gate.Connected("b");
  EXPECT_TRUE(gate.AcceptsWrites().ok());
  gate.LocalDurable(3);
  EXPECT_TRUE(r.seqs.empty()) << "durable here only";
  gate.Acked("b", 2);
  EXPECT_EQ(r.seqs, (std::vector<uint64_t>{2}));
  gate.Acked("b", 5);  // the standby is ahead of what is known durable here: only 3
  EXPECT_EQ(r.seqs, (std::vector<uint64_t>{2, 3}));
  gate.Acked("b", 4);  // an older acknowledgement never moves anything back
  gate.LocalDurable(5);
  EXPECT_EQ(r.seqs, (std::vector<uint64_t>{2, 3, 5}));
}

TEST(SyncGate, TwoRequiredStandbysReleaseAtTheSecondHighestAcknowledgement) {
  SyncGate gate(2, milliseconds(60000), 0);
  Released r;
  r.Attach(&gate);
  gate.Connected("b");
  EXPECT_FALSE(gate.AcceptsWrites().ok()) << "one of two";
  gate.Connected("c");
  EXPECT_TRUE(gate.AcceptsWrites().ok());
  gate.LocalDurable(10);
  gate.Acked("b", 10);
  EXPECT_TRUE(r.seqs.empty());
  gate.Acked("c", 7);
  EXPECT_EQ(r.seqs, (std::vector<uint64_t>{7}));
  // A standby that went away keeps what it acknowledged (it is on its
  // disk), but no longer counts as in step for new writes.
  gate.Disconnected("c");
  EXPECT_FALSE(gate.AcceptsWrites().ok());
  const std::string health = gate.HealthJson();
  EXPECT_NE(health.find("\"node\":\"c\",\"connected\":false,\"acked_seq\":7,\"lag\":3"), std::string::npos) << health;
}

TEST(SyncGate, AStandbyThatStopsAcknowledgingFallsOutOfStepAfterTheTimeout) {
  SyncGate gate(1, milliseconds(1), 0);
  gate.Connected("b");
  gate.LocalDurable(1);  // the standby has not acknowledged it
  // Out of step once 1 ms passed without an acknowledgement: a causal
  // bound (the gate's own timeout), checked after at least that long.
  const auto until = std::chrono::steady_clock::now() + milliseconds(5);
  while (std::chrono::steady_clock::now() < until) {
  }
  EXPECT_FALSE(gate.AcceptsWrites().ok());
  gate.Acked("b", 1);  // caught up
  EXPECT_TRUE(gate.AcceptsWrites().ok());
}

}  // namespace
}  // namespace pb::cluster
