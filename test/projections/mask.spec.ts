import { maskName, maskPhone } from '../../projections/mask.js';

describe('masking for analysts', () => {
  describe('a name', () => {
    it.each([
      ['张三丰', '张**'],
      ['李女士', '李**'],
      ['Li Wei', 'L*****'],
      ['王', '*'],
      ['', ''],
    ])('%j becomes %j', (name, masked) => {
      expect(maskName(name)).toBe(masked);
    });

    it('counts characters, not UTF-16 units', () => {
      expect(maskName('𠮷野家')).toBe('𠮷**');
    });
  });

  describe('a phone number', () => {
    it.each([
      ['13812345678', '138****5678'],
      ['+8613812345678', '+86*******5678'],
      ['12345678', '123*5678'],
      ['1234567', '*******'],
      ['110', '***'],
      ['', ''],
    ])('%j becomes %j', (phone, masked) => {
      expect(maskPhone(phone)).toBe(masked);
    });
  });
});
