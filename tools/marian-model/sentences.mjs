// Turkish test sentences. The generated vocabulary is built from the round-trip list (plus the Turkish
// alphabet, digits and punctuation), so every one of them tokenizes without <unk> and decodes back to itself;
// the special list holds what the vocabulary cannot say as written.

/** Sentences the test tokenizer encodes without `<unk>` and decodes back to exactly the same string. */
export const MARIAN_ROUND_TRIP_SENTENCES = Object.freeze([
  'Bu odun yanmaz.',
  'Kedi masanın altında uyuyor.',
  'Yarın sabah erkenden yola çıkacağız.',
  'Bu kitabı geçen hafta okudum.',
  'Annem bize çay yaptı.',
  'Hava bugün çok soğuk.',
  "İstanbul'a trenle gittik.",
  'Kapıyı kapatır mısın?',
  'Çocuklar bahçede top oynuyor.',
  'Bu akşam ne yiyeceğiz?',
  'Okul saat sekizde başlıyor.',
  'Ekmek almayı unuttum.',
  'Deniz kenarında yürümeyi seviyorum.',
  'Telefonum çalışmıyor.',
  'Öğretmen soruyu tekrar sordu.',
  'Lütfen biraz daha yavaş konuş.',
  'Köpek bütün gece havladı.',
  'Bu şehirde çok güzel parklar var.',
  'Kardeşim doktor olmak istiyor.',
  'Sınav sandığımdan kolaydı.',
  'Yağmur yağınca yollar çamur oldu.',
  "Ali'nin arabası kırmızı.",
  'Bana bir bardak su verir misin?',
  'Toplantı öğleden sonraya ertelendi.',
  'Bu elbise sana çok yakışmış.',
  'Dün akşam sinemaya gittik.',
  'Kuşlar sabah erkenden ötmeye başladı.',
  'Mektubu postaya verdim.',
  'Bahçedeki ağaçlar çiçek açtı.',
  'Babam her sabah gazete okur.',
  'Bu soruya cevap veremem.',
  'Pazartesi günü işe başlıyorum.',
  'Kahvaltıda peynir ve zeytin yedik.',
  'Otobüs on dakika gecikti.',
  'Saat kaç?',
  'Çok teşekkür ederim.',
  'Nerede oturuyorsun?',
  'Kış gelince dağlara kar yağar.',
  'Bu yemeğin tadı harika.',
  'Onu yıllardır görmedim.',
  'Kitaplarını masanın üstüne bıraktı.',
  'Pencereyi açar mısınız?',
  'Yeni evimiz okula yakın.',
  'Bugün market kapalı.',
  'Şarkıyı herkes birlikte söyledi.',
  'Gözlüğümü bulamıyorum.',
  'Hasta olduğu için okula gelmedi.',
  'Türkçe öğrenmek zor değil.',
  'Köyde dedemle ninem yaşıyor.',
  'Bu çanta çok ağır.',
  'Sabahları koşmaya çıkıyorum.',
  'Yarın hava güneşli olacak.',
  'Kahve mi çay mı istersin?',
  'Müzeye giriş ücretsiz.',
  'Ödevini bitirdin mi?',
  'Ayşe ile Mehmet evlendiler.',
  'Bu yol bizi köye götürür.',
  'Çorba biraz tuzlu olmuş.',
  "Tatilde Antalya'ya gideceğiz.",
  'Uçak saat üçte kalkacak.',
  'Bu odun ıslak, yanmaz.',
  'Bütün gün evde kitap okudum.',
  'Denizde yüzmek çok keyifliydi!',
  'İki bilet lütfen.',
  "Saat 7'de buluşalım.",
  'Sınıfta 25 öğrenci var.',
]);

/**
 * Inputs the vocabulary cannot reproduce as written: letters Turkish does not use (x, w), an emoji and CJK
 * characters (each becomes `<unk>`), and text the normalizer changes (NFKC turns the ligature, full-width and
 * decomposed characters into plain ones; runs of spaces become one).
 */
export const MARIAN_SPECIAL_SENTENCES = Object.freeze([
  'Excel dosyasını gönderdim.',
  'Wi-Fi şifresi nedir?',
  'Harika bir gün 😊',
  'Bu kelime 你好 demek.',
  'ﬁyat çok yüksek ！',
  'Bu  odun  ıslak ve Ag\u0306ac\u0327 yeşil.',
]);

/** Every test sentence: {@link MARIAN_ROUND_TRIP_SENTENCES} then {@link MARIAN_SPECIAL_SENTENCES}. */
export const MARIAN_TEST_SENTENCES = Object.freeze([...MARIAN_ROUND_TRIP_SENTENCES, ...MARIAN_SPECIAL_SENTENCES]);
