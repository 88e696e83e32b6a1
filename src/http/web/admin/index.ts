import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../../context.js';

/** Admin screens for people: companies, users, access requests. */
export async function adminRoutes(app: FastifyInstance, { ctx }: { ctx: AppContext }) {
  void ctx;
  void app;
}
