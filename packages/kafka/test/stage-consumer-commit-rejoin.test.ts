/**
 * A commit the group refuses never lands, on a resend, on a partition the member lost
 * (platformatic loop). @platformatic/kafka answers a commit refused for a stale
 * membership (UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, REBALANCE_IN_PROGRESS) by rejoining
 * and sending the same commit again under the new generation. With a fixed offset list
 * that resend wrote the old member's offsets over partitions another member now owned,
 * moving their committed offsets back. It was the rebalance suite's rare "every
 * partition committed to its end" timeout: the leaving member's chunk, committed into
 * the rebalance its partner's join started, rewound a partition whose records were all
 * handled, and nobody committed it again.
 *
 * Member a (a process of its own) holds its first chunk, of both partitions, in `handle`
 * and is SIGSTOPped; member b joins and, a not answering, the group moves on without a:
 * b owns both partitions, and b's handler never finishes, so b commits nothing. a is
 * resumed and released: its commit is refused (a left the group meanwhile), the library
 * rejoins a, and the partitions split. Whatever is committed on b's partition was written
 * by a's resend: it must be nothing.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { AssignerProtocol } from 'kafkajs';
import { silentLogger } from '@herald/core';
import {
  deleteTopicsWithPrefix,
  ensureTopics,
  StageConsumer,
  type ConsumedRecord,
} from '@herald/kafka';
import { stackEnv, uniquePrefix, waitFor } from '@herald/testkit';
import { testKafka } from './clients.js';

const member = fileURLToPath(new URL('./fixtures/held-chunk-member.mjs', import.meta.url));

describe('a commit refused for a stale membership (platformatic)', () => {
  const prefix = uniquePrefix();
  const input = `${prefix}in`;
  const group = `${prefix}g`;
  const kafka = testKafka('platformatic', 'commit-rejoin-b');
  const lines: string[] = [];
  let child: ChildProcessByStdio<Writable, Readable, null> | undefined;
  let b: StageConsumer | undefined;

  afterAll(async () => {
    if (child) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGCONT');
      child.stdin.end();
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
      child.kill('SIGKILL');
    }
    await b?.stop();
    await deleteTopicsWithPrefix(kafka, prefix);
  });

  it('resends only the partitions the member still owns after the rejoin', async () => {
    await ensureTopics(kafka, [{ topic: input, partitions: 2, replicationFactor: 1 }]);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: input,
      acks: -1,
      messages: Array.from({ length: 20 }, (_, i) => ({
        partition: i % 2,
        key: `k${i}`,
        value: String(i),
      })),
    });
    await producer.disconnect();
    // Both partitions start committed at 0, as a running group's are: a member that
    // regains a partition restarts from its committed offset.
    const setup = kafka.admin();
    await setup.connect();
    await setup.setOffsets({
      groupId: group,
      topic: input,
      partitions: [0, 1].map((partition) => ({ partition, offset: '0' })),
    });
    await setup.disconnect();
    child = spawn(process.execPath, [member, stackEnv().KAFKA_BROKERS, group, input], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    createInterface({ input: child.stdout }).on('line', (line) => lines.push(line));

    // a holds a chunk of both partitions (produced before it started: one fetch).
    await waitFor('a holding its first chunk', () => lines.includes('held 20'), 60_000);
    child.kill('SIGSTOP');

    const handledByB: ConsumedRecord[] = [];
    b = new StageConsumer({
      kafka,
      groupId: group,
      topics: [input],
      logger: silentLogger,
      chunkSize: 100,
      sessionTimeoutMs: 6_000,
      shutdownTimeoutMs: 1_000,
      handler: {
        // b never finishes a chunk, so it never commits.
        handle: async (records, signal) => {
          handledByB.push(...records);
          await new Promise((resolve) => signal.addEventListener('abort', resolve));
          return [];
        },
      },
    });
    // Joins once the group gave up waiting for a (its rebalance timeout, 6 s).
    await b.start();
    const admin = kafka.admin();
    await admin.connect();
    try {
      // a resumes with its release already waiting: its commit goes out under the
      // membership it had, before any heartbeat of its could tell it otherwise.
      child.stdin.write('go\n');
      child.kill('SIGCONT');
      const bPartition = await waitFor(
        'both members in the group again',
        async () => {
          const { groups } = await admin.describeGroups([group]);
          const members = groups[0]?.members ?? [];
          if (groups[0]?.state !== 'Stable' || members.length !== 2) return undefined;
          const ofB = members.find((m) => m.clientId.startsWith('commit-rejoin-b'));
          const parts = ofB && AssignerProtocol.MemberAssignment.decode(ofB.memberAssignment);
          const own = parts?.assignment[input] ?? [];
          return own.length === 1 ? { partition: own[0]! } : undefined;
        },
        60_000,
      );
      // a redoes its own partition (its held chunk was not committed) and commits it.
      const committed = await waitFor(
        "a's partition committed",
        async () => {
          const [offsets] = await admin.fetchOffsets({ groupId: group, topics: [input] });
          const byPartition = new Map(
            offsets!.partitions.map((p) => [p.partition, Number(p.offset)]),
          );
          return byPartition.get(1 - bPartition.partition) === 10 ? byPartition : undefined;
        },
        60_000,
      );
      expect(committed.get(bPartition.partition)).toBe(0);
    } finally {
      await admin.disconnect();
    }
  }, 120_000);
});
