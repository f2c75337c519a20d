"""The message catalog: every user-facing string, in Arabic, English and Turkish.

Values are `str.format` templates; placeholders are filled with already-escaped
HTML by the renderers, so a translation may use <b> and <i> but never builds
tags from user data.
"""

from __future__ import annotations

LANGUAGES = ("ar", "en", "tr")

MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "welcome": (
            "<b>Mojaz</b> brings you the news in short: the latest articles, search, "
            "who and what is in the news, summaries and a daily digest.\n\n"
            "Try /latest, /search Gaza or /help."
        ),
        "help_header": "<b>What I can do</b>",
        "help_footer": "Arguments in [brackets] are optional.",
        "cmd_start": "Welcome and what the bot can do",
        "cmd_help": "This list of commands",
        "cmd_latest": "[n] The n newest articles (default 5, at most 20)",
        "cmd_article": "<id> Read a whole article",
        "cmd_search": "<words> Search the articles (\"phrase\", -exclude)",
        "cmd_lang": "ar|en|tr Choose the bot's language",
        "latest_header": "<b>Latest news</b>",
        "latest_empty": "There are no articles yet.",
        "open_button": "Read #{id}",
        "article_usage": "Which article? Send /article followed by its number, e.g. /article 1.",
        "article_not_found": "There is no article #{id}.",
        "article_date_from_file": "date of the file, not of the article",
        "article_footer": "Article #{id}",
        "search_usage": "What should I look for? Send /search followed by some words, e.g. /search Gaza.",
        "search_nothing_searchable": "I could not find any words to search for in that.",
        "search_too_long": "That query is too long: please use at most {limit} characters.",
        "search_no_results": "Nothing found for {query}.",
        "search_header": "<b>Results for {query}</b> ({total})",
        "page_of": "Page {page} of {pages}",
        "search_expired": "That search is no longer available: please search again.",
        "button_next": "Next ›",
        "button_prev": "‹ Previous",
        "bad_number": "Please give a whole number between 1 and {maximum}, e.g. /latest 5.",
        "lang_usage": "Choose a language: /lang ar, /lang en or /lang tr.",
        "lang_set": "From now on I will speak English here.",
        "unknown_command": "I don't know that command. Send /help to see what I can do.",
        "no_text": "I can only read text messages and commands. Send /help to see what I can do.",
        "error_generic": "Sorry, something went wrong on my side. Please try again in a moment.",
        "error_not_admin": "Only the group's administrators can change this.",
        "source_unknown": "unknown source",
    },
    "ar": {
        "welcome": (
            "<b>موجز</b> يقدّم لك الأخبار باختصار: آخر المقالات، والبحث، ومن وما في الأخبار، "
            "والملخصات، وموجزًا يوميًا.\n\n"
            "جرّب /latest أو /search غزة أو /help."
        ),
        "help_header": "<b>ما يمكنني فعله</b>",
        "help_footer": "ما بين [قوسين] اختياري.",
        "cmd_start": "الترحيب وما يقدّمه البوت",
        "cmd_help": "قائمة الأوامر هذه",
        "cmd_latest": "[n] أحدث n مقالات (5 افتراضيًا، 20 على الأكثر)",
        "cmd_article": "<id> قراءة مقال كاملًا",
        "cmd_search": "<كلمات> البحث في المقالات (\"عبارة\"، -استبعاد)",
        "cmd_lang": "ar|en|tr اختيار لغة البوت",
        "latest_header": "<b>آخر الأخبار</b>",
        "latest_empty": "لا توجد مقالات بعد.",
        "open_button": "اقرأ #{id}",
        "article_usage": "أي مقال؟ أرسل /article متبوعًا برقمه، مثل /article 1.",
        "article_not_found": "لا يوجد مقال برقم {id}.",
        "article_date_from_file": "تاريخ الملف لا تاريخ المقال",
        "article_footer": "المقال #{id}",
        "search_usage": "عمّ أبحث؟ أرسل /search متبوعًا بكلمات، مثل /search غزة.",
        "search_nothing_searchable": "لم أجد في ذلك كلمات يمكن البحث عنها.",
        "search_too_long": "عبارة البحث طويلة جدًا: استخدم {limit} حرفًا على الأكثر.",
        "search_no_results": "لا نتائج لـ {query}.",
        "search_header": "<b>نتائج البحث عن {query}</b> ({total})",
        "page_of": "الصفحة {page} من {pages}",
        "search_expired": "لم يعد هذا البحث متاحًا: ابحث مرة أخرى.",
        "button_next": "التالي ‹",
        "button_prev": "› السابق",
        "bad_number": "أرسل عددًا صحيحًا بين 1 و{maximum}، مثل /latest 5.",
        "lang_usage": "اختر لغة: /lang ar أو /lang en أو /lang tr.",
        "lang_set": "سأتحدث العربية هنا من الآن.",
        "unknown_command": "لا أعرف هذا الأمر. أرسل /help لترى ما يمكنني فعله.",
        "no_text": "أقرأ الرسائل النصية والأوامر فقط. أرسل /help لترى ما يمكنني فعله.",
        "error_generic": "عذرًا، حدث خطأ من جهتي. حاول مرة أخرى بعد قليل.",
        "error_not_admin": "يمكن لمشرفي المجموعة فقط تغيير هذا.",
        "source_unknown": "مصدر غير معروف",
    },
    "tr": {
        "welcome": (
            "<b>Mojaz</b> haberleri kısaca getirir: son haberler, arama, haberlerde kimler ve "
            "neler var, özetler ve günlük bülten.\n\n"
            "/latest, /search Gazze ya da /help deneyin."
        ),
        "help_header": "<b>Neler yapabilirim</b>",
        "help_footer": "[Köşeli parantez] içindekiler isteğe bağlıdır.",
        "cmd_start": "Karşılama ve botun yapabildikleri",
        "cmd_help": "Bu komut listesi",
        "cmd_latest": "[n] En yeni n haber (varsayılan 5, en fazla 20)",
        "cmd_article": "<id> Bir haberin tamamını oku",
        "cmd_search": "<kelimeler> Haberlerde ara (\"ifade\", -hariç)",
        "cmd_lang": "ar|en|tr Botun dilini seç",
        "latest_header": "<b>Son haberler</b>",
        "latest_empty": "Henüz haber yok.",
        "open_button": "Oku #{id}",
        "article_usage": "Hangi haber? /article ve ardından numarasını gönderin, ör. /article 1.",
        "article_not_found": "#{id} numaralı haber yok.",
        "article_date_from_file": "haberin değil, dosyanın tarihi",
        "article_footer": "Haber #{id}",
        "search_usage": "Ne arayayım? /search ve ardından birkaç kelime gönderin, ör. /search Gazze.",
        "search_nothing_searchable": "Bunda aranacak bir kelime bulamadım.",
        "search_too_long": "Arama çok uzun: en fazla {limit} karakter kullanın.",
        "search_no_results": "{query} için sonuç bulunamadı.",
        "search_header": "<b>{query} için sonuçlar</b> ({total})",
        "page_of": "Sayfa {page} / {pages}",
        "search_expired": "Bu arama artık yok: lütfen yeniden arayın.",
        "button_next": "Sonraki ›",
        "button_prev": "‹ Önceki",
        "bad_number": "Lütfen 1 ile {maximum} arasında bir tam sayı verin, ör. /latest 5.",
        "lang_usage": "Bir dil seçin: /lang ar, /lang en ya da /lang tr.",
        "lang_set": "Bundan sonra burada Türkçe konuşacağım.",
        "unknown_command": "Bu komutu bilmiyorum. Neler yapabildiğimi görmek için /help gönderin.",
        "no_text": "Yalnızca metin mesajlarını ve komutları okuyabilirim. /help gönderin.",
        "error_generic": "Üzgünüm, bir hata oluştu. Lütfen biraz sonra tekrar deneyin.",
        "error_not_admin": "Bunu yalnızca grubun yöneticileri değiştirebilir.",
        "source_unknown": "bilinmeyen kaynak",
    },
}


def pick_language(*candidates: str | None, default: str = "en") -> str:
    """Return the first candidate that is a supported language (by its primary subtag)."""
    for candidate in candidates:
        if candidate:
            primary = candidate.lower().replace("_", "-").split("-")[0]
            if primary in LANGUAGES:
                return primary
    return default


def t(lang: str, key: str, **params: object) -> str:
    """Return the catalog message `key` in `lang` (English if missing), formatted with params."""
    template = MESSAGES.get(lang, MESSAGES["en"]).get(key) or MESSAGES["en"][key]
    return template.format(**params) if params else template
