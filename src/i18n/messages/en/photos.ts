import type { photos as ru } from '../ru/photos.js';

export const photos: Record<keyof typeof ru, string> = {
  'photos.title': 'Photos',
  'photos.pageTitle': 'Photos: {name}',
  'photos.toProduct': '← Back to the product',
  'photos.empty': 'No photos yet.',
  'photos.count': '{count} of {max} photos',
  'photos.alt': 'Photo {n} of “{name}”',
  'photos.size': '{width}×{height} px, {kb} KB',
  'photos.open': 'Open full size',
  'photos.delete': 'Delete',
  'photos.deleteLabel': 'Delete photo {n}',
  'photos.addTitle': 'Add photos',
  'photos.fileLabel': 'Photo files',
  'photos.limits':
    'JPEG, PNG, WebP, GIF, AVIF or TIFF, up to {maxMb} MB each, at most {max} photos per product. You can pick several files at once.',
  'photos.processing':
    'Photos are turned upright using the camera data, scaled down to {px} pixels on the longer side and stored without metadata (GPS, camera model).',
  'photos.originalsKept': 'The original files are kept too.',
  'photos.quotaUsage': 'All photos on the portal take {usedMb} of {quotaMb} MB.',
  'photos.uploadButton': 'Upload',
  'photos.uploaded': 'Photo added.',
  'photos.uploadedMany': 'Photos added.',
  'photos.deleted': 'Photo deleted.',
  'photos.resultsTitle': 'Not everything was uploaded',
  'photos.resultStored': '“{file}”: added.',
  'photos.errorNoFile': 'Choose a photo file.',
  'photos.errorTooLarge':
    '“{file}” is larger than {maxMb} MB. Make the photo smaller or save it at a lower quality and upload it again.',
  'photos.errorNotImage':
    '“{file}” is not a photo or its format is not supported. Accepted: JPEG, PNG, WebP, GIF, AVIF and TIFF.',
  'photos.errorTooManyPixels':
    '“{file}” has too many pixels: {megapixels} MP, the limit is {maxMegapixels} MP. Make it smaller and upload it again.',
  'photos.errorTooMany':
    '“{file}” was not added: the product already has {max} photos, the most allowed. Delete some to add new ones.',
  'photos.errorQuota':
    '“{file}” was not added: the space for photos is used up ({usedMb} of {quotaMb} MB). Delete photos you no longer need or raise photos.quota_mb in the settings.',
  'photos.errorDuplicate': 'The product already has the photo “{file}”.',
  'photos.errorTooManyFiles': 'At most {max} files can be sent at once; the rest were not uploaded.',
};
