// Opens a HostSession on the engine's Session (extension/core/session.ts): SSH or local transport, agent
// deployment and hello happen there; this adapter only maps the host setting to the engine's options.
import type { SessionOpener } from './hostSession';

export const openHostSession: SessionOpener = async () => {
  throw new Error('not wired yet');
};
