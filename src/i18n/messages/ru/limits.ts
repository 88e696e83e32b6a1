/** Strings of the limits that protect the portal from oversized or hostile input. */
export const limits = {
  'limits.tooManyColumns': 'В файле «{file}» больше {max} столбцов. Оставьте нужные столбцы и загрузите файл снова.',
  'limits.tooLargeUnpacked':
    'Файл «{file}» в распакованном виде слишком большой. Оставьте в нём только нужный лист и столбцы или сохраните его как CSV.',
  'limits.uploadsBusy': 'Сейчас на сервере слишком много файлов, ожидающих выбора столбцов. Попробуйте через несколько минут.',
  'limits.applyTooMany': 'С этого адреса уже отправлено несколько заявок. Попробуйте снова через {minutes} мин.',
} as const;
