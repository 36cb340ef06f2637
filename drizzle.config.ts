/** drizzle-kit settings: `bun run db:generate -- --name <change>` writes a new SQL migration from db/schema.ts. */
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './db/schema.ts',
  out: './db/migrations',
});
