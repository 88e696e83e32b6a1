/** The demo accounts, shown on the console and on the login page in demo mode only. */
export const demoLogins = [
  { role: 'admin', email: 'admin@demo.optovik.local', password: 'demo-admin-2026' },
  { role: 'manager', email: 'manager@demo.optovik.local', password: 'demo-manager-2026' },
  { role: 'buyer', email: 'buyer@demo.optovik.local', password: 'demo-buyer-2026' },
] as const;
