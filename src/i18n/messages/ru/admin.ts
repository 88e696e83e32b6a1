/** Admin screens' strings; owned by the admin area. */
export const admin = {
  'admin.placeholder': 'Администрирование',
} as const;
