// Where did a missing event go? For the events a chaos run could not account for, reads
// back every Herald topic that could hold them (herald.events, its rejected topic, the
// delivery lanes, herald.status) and the router group's committed offsets, and prints
// per event: its position in herald.events, and whatever the pipeline wrote for it.
// A missing event with a position and nothing downstream was consumed (or skipped) by
// the router without output; no position means the producer lost it.

/** The end offsets of `topic`'s partitions: { partition → high watermark }. */
async function highWatermarks(admin, topic) {
  const offsets = await admin.fetchTopicOffsets(topic);
  return new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
}

/**
 * Reads `topics` from the beginning up to their current ends and calls `onRecord` with
 * each record. A fresh group, so nothing of the run's groups moves.
 */
async function readAll(kafka, groupId, topics, onRecord) {
  const admin = kafka.admin();
  await admin.connect();
  const remaining = new Map();
  try {
    for (const topic of topics)
      for (const [partition, high] of await highWatermarks(admin, topic))
        if (high > 0n) remaining.set(`${topic}:${partition}`, high);
  } finally {
    await admin.disconnect();
  }
  if (remaining.size === 0) return;
  const consumer = kafka.consumer({ groupId });
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  let done;
  const finished = new Promise((r) => (done = r));
  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      onRecord(topic, partition, message);
      const key = `${topic}:${partition}`;
      const high = remaining.get(key);
      if (high !== undefined && BigInt(message.offset) + 1n >= high) remaining.delete(key);
      if (remaining.size === 0) done();
    },
  });
  await Promise.race([finished, new Promise((r) => setTimeout(r, 60_000))]);
  await consumer.disconnect();
}

/** Prints what the topics hold for each of `eventIds` (a few dozen at most). */
export async function traceMissing(kafka, prefix, eventIds, print) {
  const wanted = new Set(eventIds);
  const found = new Map(eventIds.map((id) => [id, []]));
  const admin = kafka.admin();
  await admin.connect();
  const allTopics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
  const routerGroup = `${prefix}herald-router`;
  let committed = [];
  try {
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId);
    const group = groups.find((g) => g.startsWith(prefix) && g.includes('router')) ?? routerGroup;
    committed = await admin.fetchOffsets({ groupId: group, topics: [`${prefix}herald.events`] });
    print(`router group ${group} committed: ${JSON.stringify(committed[0]?.partitions ?? [])}`);
    print(
      `herald.events ends: ${JSON.stringify([...(await highWatermarks(admin, `${prefix}herald.events`))].map(([p, h]) => [p, String(h)]))}`,
    );
  } finally {
    await admin.disconnect();
  }
  const idIn = (value) => {
    const text = value?.toString('utf8') ?? '';
    for (const id of wanted) if (text.includes(`"${id}"`)) return id;
    return undefined;
  };
  await readAll(kafka, `${prefix}chaos-missing`, allTopics, (topic, partition, message) => {
    const id = idIn(message.value);
    if (id === undefined) return;
    const state = topic.endsWith('herald.status')
      ? `:${JSON.parse(message.value.toString()).data?.state}`
      : '';
    found
      .get(id)
      .push(
        `${topic.slice(prefix.length)}[${partition}@${message.offset}]${state} t=${message.timestamp}`,
      );
  });
  for (const [id, where] of found)
    print(`${id}: ${where.length === 0 ? 'nowhere' : where.join(' ')}`);
}
