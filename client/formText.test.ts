import { describe, expect, it } from 'vitest';
import { formText } from './formText.ts';

describe('formText', () => {
  it('reads a text field, and a file or a missing field as empty', () => {
    const data = new FormData();
    data.set('code', '123456');
    data.set('upload', new File(['x'], 'photo.jpg'));
    expect(formText(data, 'code')).toBe('123456');
    expect(formText(data, 'upload')).toBe('');
    expect(formText(data, 'missing', 'sms')).toBe('sms');
  });
});
