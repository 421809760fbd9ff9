// Drops and re-creates the demo's own database, so each demo run starts empty.
// Usage: node fresh-database.mjs <server-url> <name>   → prints the new database's URL
import pg from 'pg';

const [serverUrl, name] = process.argv.slice(2);
const client = new pg.Client({ connectionString: serverUrl });
await client.connect();
await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
await client.query(`CREATE DATABASE ${name}`);
await client.end();
const url = new URL(serverUrl);
url.pathname = `/${name}`;
console.log(url.toString());
