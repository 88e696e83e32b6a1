/** Strings of the photos area. */
export const photos = {
  'photos.title': 'Фотографии',
  'photos.pageTitle': 'Фотографии: {name}',
  'photos.toProduct': '← К товару',
  'photos.empty': 'Фотографий пока нет.',
  'photos.count': '{count} из {max} фото',
  'photos.alt': 'Фото {n} товара «{name}»',
  'photos.size': '{width}×{height} пикс., {kb} КБ',
  'photos.open': 'Открыть в полном размере',
  'photos.delete': 'Удалить',
  'photos.deleteLabel': 'Удалить фото {n}',
  'photos.addTitle': 'Добавить фото',
  'photos.fileLabel': 'Файлы с фото',
  'photos.limits':
    'JPEG, PNG, WebP, GIF, AVIF или TIFF, до {maxMb} МБ каждый, не больше {max} фото у товара. Можно выбрать несколько файлов сразу.',
  'photos.processing':
    'Фото повернём по данным камеры, уменьшим до {px} пикселей по длинной стороне и сохраним без метаданных (GPS, модель камеры).',
  'photos.originalsKept': 'Исходные файлы тоже сохраняются.',
  'photos.quotaUsage': 'Всего фото на портале занимают {usedMb} из {quotaMb} МБ.',
  'photos.uploadButton': 'Загрузить',
  'photos.uploaded': 'Фото добавлено.',
  'photos.uploadedMany': 'Фото добавлены.',
  'photos.deleted': 'Фото удалено.',
  'photos.resultsTitle': 'Не всё удалось загрузить',
  'photos.resultStored': '«{file}» — добавлено.',
  'photos.errorNoFile': 'Выберите файл с фото.',
  'photos.errorTooLarge':
    'Файл «{file}» больше {maxMb} МБ. Уменьшите фото или сохраните его с меньшим качеством и загрузите снова.',
  'photos.errorNotImage': 'Файл «{file}» — не фото или его формат не подходит. Подходят JPEG, PNG, WebP, GIF, AVIF и TIFF.',
  'photos.errorTooManyPixels':
    'В фото «{file}» слишком много пикселей: {megapixels} Мп при пределе {maxMegapixels} Мп. Уменьшите его и загрузите снова.',
  'photos.errorTooMany': '«{file}» не добавлено: у товара уже {max} фото, больше нельзя. Удалите ненужные, чтобы добавить новые.',
  'photos.errorQuota':
    '«{file}» не добавлено: место для фото закончилось (занято {usedMb} из {quotaMb} МБ). Удалите ненужные фото или увеличьте photos.quota_mb в настройках.',
  'photos.errorDuplicate': 'Фото «{file}» у этого товара уже есть.',
  'photos.errorTooManyFiles': 'За один раз можно отправить не больше {max} файлов; остальные не загружены.',
} as const;
