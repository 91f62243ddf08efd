"""The demo newsroom's content. Fictional, written for Samizdat; any likeness is chance."""

AUTHORS = [
    # slug, display name, is pen name, bio
    ("mira-castell", "Mira Castell", False, "Editor of Dispatches. Covered elections in six countries."),
    ("daniel-okafor", "Daniel Okafor", False, "Writes about networks, censorship and the people who route around it."),
    ("night-correspondent", "Night Correspondent", True, "A correspondent inside the country, writing under a pen name."),
    ("ruth-aldana", "Ruth Aldana", False, "Data editor. Counts what others estimate."),
    ("negar-sabouri", "نگار صبوری", True, "خبرنگار ما در داخل کشور، با نام مستعار."),
    ("anna-veselova", "Анна Веселова", False, "Корреспондент русской службы."),
    ("kaveh-arman", "کاوه آرمان", False, "سردبیر بخش فناوری؛ دربارهٔ شبکه‌ها و سانسور می‌نویسد."),
    ("ilya-sever", "Илья Север", True, "Пишет о связи и блокировках под псевдонимом."),
]

SERVICES = [
    {
        "slug": "en", "brand_colour": "", "wordmark": "Samizdat", "title": "Samizdat English", "language_code": "en", "time_zone": "Europe/London", "direction": "ltr",
        "tagline": "Reporting for readers whose press is not free",
        "contact_email": "desk@samizdat.example",
        "base_url": "https://samizdat.example/en/",
        "republish_licence": "Free to republish under Creative Commons Attribution-NoDerivatives 4.0, with the byline and a link to this story.",
        "breaking": "Internet shutdown reported in three provinces; our correspondents are filing by satellite.",
        "blogs": [
            {
                "slug": "dispatches", "title": "Dispatches",
                "about": (
                    "Dispatches is where our correspondents and editors write down what they saw "
                    "before it becomes a headline: notes from bureaus, interviews that did not fit "
                    "the bulletin, and the occasional absurd official decree. Write to the desk; "
                    "we read everything and protect our sources."
                ),
                "contact_email": "dispatches@samizdat.example",
            },
            {
                "slug": "signal-and-noise", "title": "Signal and Noise",
                "about": (
                    "Signal and Noise follows the fight over the wires themselves: blocked sites, "
                    "throttled networks, mirrors and the tools readers use to reach the news."
                ),
                "contact_email": "signal@samizdat.example",
            },
        ],
    },
    {
        "slug": "fa", "brand_colour": "green", "wordmark": "سامیزدات", "title": "سامیزدات فارسی", "language_code": "fa", "time_zone": "Asia/Tehran", "direction": "rtl",
        "tagline": "گزارش برای خوانندگانی که مطبوعات آزاد ندارند",
        "contact_email": "farsi@samizdat.example",
        "base_url": "https://samizdat.example/fa/",
        "republish_licence": "بازنشر آزاد است، با مجوز کریتیو کامنز «انتساب-بدون اشتقاق ۴٫۰»، همراه با نام نویسنده و پیوند به این گزارش.",
        "breaking": "گزارش‌ها از قطع اینترنت در سه استان حکایت دارد.",
        "blogs": [
            {
                "slug": "yaddasht", "title": "یادداشت‌های میدانی",
                "about": (
                    "یادداشت‌های میدانی جایی است که خبرنگاران ما آنچه را دیده‌اند پیش از آنکه به "
                    "تیتر خبر تبدیل شود می‌نویسند. با ما در تماس باشید؛ از منابع خود محافظت می‌کنیم."
                ),
                "contact_email": "yaddasht@samizdat.example",
            },
            {
                "slug": "shabakeh", "title": "شبکه و سانسور",
                "about": (
                    "«شبکه و سانسور» دربارهٔ خود سیم‌هاست: سایت‌های مسدود، اینترنت کُند، "
                    "آینه‌ها و ابزارهایی که خوانندگان برای رسیدن به خبر به کار می‌برند."
                ),
                "contact_email": "shabakeh@samizdat.example",
            },
        ],
    },
    {
        "slug": "ru", "brand_colour": "blue", "wordmark": "", "title": "Самиздат", "language_code": "ru", "time_zone": "Europe/Moscow", "direction": "ltr",
        "tagline": "Новости для тех, у кого нет свободной прессы",
        "contact_email": "ru@samizdat.example",
        "base_url": "https://samizdat.example/ru/",
        "republish_licence": "Перепечатка свободна по лицензии Creative Commons «Атрибуция — Без производных произведений» 4.0, с подписью автора и ссылкой на материал.",
        "breaking": "",
        "blogs": [
            {
                "slug": "mezhdu-strok", "title": "Между строк",
                "about": (
                    "«Между строк» — заметки наших корреспондентов о том, что не попало в эфир: "
                    "интервью, наблюдения и документы. Пишите нам, мы защищаем источники."
                ),
                "contact_email": "strok@samizdat.example",
            },
            {
                "slug": "seti", "title": "Сети и цензура",
                "about": (
                    "«Сети и цензура» — о самих проводах: блокировки сайтов, замедление сети, "
                    "зеркала и инструменты, которыми читатели пользуются, чтобы добраться до новостей."
                ),
                "contact_email": "seti@samizdat.example",
            },
        ],
    },
]

# blog slug, days ago, title, teaser, paragraphs, authors, tags, image (scene, alt, caption, credit)
POSTS = [
    ("dispatches", 1, "A Border Town Learns to Live Offline",
     "When the mobile network went dark, the market in the border town moved its prices to a chalkboard.",
     ["The first thing to go was the payment app. By the second morning the cashiers had stopped apologising and started writing prices on a chalkboard by the door, the way their parents had.",
      "Shopkeepers told us they lose a third of their sales each day the network is down. Nobody would say so on the record; the local council had already warned traders not to \"spread panic\" about the outage.",
      "## What people do instead",
      "Teenagers carry messages between neighbourhoods on bicycles. A pharmacist keeps a paper list of which families need insulin, and a taxi driver who crosses the border twice a week brings back news printed at home.",
      "> We are not cut off from the world. The world is cut off from us, and it does not notice.",
      "Officials describe the outage as maintenance. It has now lasted nineteen days."],
     ["night-correspondent"], ["shutdowns", "borders"], ("crowd", "A dense crowd of people in coats gathered in a square under a grey sky.", "The market square on the nineteenth day without mobile internet.", "Samizdat")),
    ("dispatches", 2, "The Decree That Banned a Colour",
     "A regional governor has ordered shop signs repainted. Nobody can say which colour is now illegal.",
     ["The order arrived by fax, which in itself was news: most people in the city had assumed the town hall no longer owned a fax machine.",
      "It instructs businesses on the main avenue to remove \"provocative colouring\" from their signs within ten days. It does not say which colour is provocative.",
      "Sign painters report a boom in orders for grey. One of them told us he had repainted the same bakery twice in a week."],
     ["mira-castell"], ["absurdities", "local government"], ("skyline", "Silhouetted apartment blocks against an orange evening sky, a few windows lit.", "The main avenue at dusk, after the repainting began.", "Samizdat")),
    ("dispatches", 4, "Interview: The Judge Who Resigned",
     "She spent eleven years on the bench and left in a single afternoon. We asked her why.",
     ["She asked us not to print the name of her court, so we will not.",
      "For eleven years she heard land disputes and contract cases. Last spring she was handed a file with a verdict already typed on the final page.",
      "## \"The paper was warm from the printer\"",
      "\"The paper was still warm,\" she said. \"I remember that more than anything. Someone had printed my decision ten minutes before I was asked to make it.\"",
      "She resigned that afternoon. Her pension has since been suspended pending an audit she was never told about."],
     ["mira-castell", "ruth-aldana"], ["courts", "interviews"], None),
    ("dispatches", 6, "Counting the Empty Chairs at a Press Conference",
     "Twelve outlets were accredited. Four came. We asked the other eight what happened.",
     ["Accreditation lists are public, so counting is easy. Explaining the gaps is not.",
      "Two outlets had closed since the previous conference. One had been merged into a state holding. The remaining five said they had not received the invitation, which was sent, we confirmed, to addresses that no longer exist.",
      "The press office said the list is updated \"regularly\"."],
     ["ruth-aldana"], ["media freedom", "data"], ("crowd", "Rows of mostly empty folding chairs facing a small stage.", "The press hall, twenty minutes after the start.", "Samizdat")),
    ("dispatches", 9, "Night Trains Are Full Again",
     "With flights cancelled, the old overnight line carries students, traders and the occasional minister.",
     ["The overnight train takes fourteen hours and costs less than a single airport taxi.",
      "Conductors say demand tripled after the airline suspended its route. Families bring food for the whole compartment; a man in a good suit travelling alone would not tell us where he worked.",
      "The railway has added two carriages and says it will keep them \"for as long as needed\"."],
     ["daniel-okafor"], ["transport"], ("fields", "Green rolling hills under a pale blue sky with white clouds.", "The view from carriage seven, somewhere past the river.", "Samizdat")),
    ("dispatches", 12, "Harbour Workers Vote to Stop Work",
     "Dockers at the northern harbour voted to strike over wages paid months late.",
     ["The vote was held by a show of hands in a warehouse, because the union's office had been sealed the week before.",
      "Workers say wages are four months in arrears. The port authority says the figure is \"exaggerated\" but has not published its own.",
      "Three ships are waiting outside the harbour."],
     ["night-correspondent", "mira-castell"], ["labour", "economy"], ("harbour", "Three small red-hulled boats moored on choppy blue water under a cloudy sky.", "Ships waiting at anchor outside the northern harbour.", "Samizdat")),
    ("dispatches", 15, "What a Village Library Keeps",
     "A retired teacher has kept banned books on the same shelf since 1979. Nobody has ever asked for them back.",
     ["The shelf is labelled \"Agriculture\". It holds poetry, two histories and a novel that was banned, unbanned and banned again.",
      "\"Inspectors do not read,\" the librarian said. \"They count.\"",
      "The library's loan book shows the novel was borrowed nine times last year."],
     ["mira-castell"], ["culture"], None),
    ("dispatches", 20, "Notes From a Polling Station",
     "Our correspondent watched a count from start to finish. Here is what she saw, in order.",
     ["Doors opened at eight. By nine the observers from two parties had been asked to wait outside because the room was \"too crowded\". The room held eleven people.",
      "The count began at eight in the evening and ended at ten past eight.",
      "We are publishing the tally sheet we photographed, with the names of the officials removed."],
     ["night-correspondent"], ["elections"], ("crowd", "People queueing in a long line outside a low building.", "Voters queueing before the polling station opened.", "Samizdat")),
    ("signal-and-noise", 0, "How Our Mirrors Stay Ahead of the Blocklist",
     "Every page we publish is a plain file. That is why it can live in so many places at once.",
     ["When a censor blocks our main address, readers who know where to look still find us on mirrors: copies of the site hosted elsewhere.",
      "Because every page is baked into a plain file with relative links, a mirror needs no database and no code: any web host, a storage bucket or a USB stick will do.",
      "## Telling a real mirror from a fake",
      "Fake mirrors are a real threat: a copy that looks like ours but changes one sentence. We sign our bundles so that readers and volunteers can check a copy came from us.",
      "> A mirror is only useful if you can trust it.",
      "If you run a mirror, write to us."],
     ["daniel-okafor"], ["mirrors", "censorship"], ("skyline", "City towers at sunset with many lit windows.", "Mirrors are copies hosted far from the main site.", "Samizdat")),
    ("signal-and-noise", 3, "Throttling Is the New Blocking",
     "A site that loads in three minutes is as good as blocked, and much harder to prove.",
     ["Blocking leaves evidence: an error page, a reset connection. Throttling leaves only frustration.",
      "We measured our own front page from five cities. In two of them it took more than a minute to load, against two seconds elsewhere.",
      "That is why our pages are small: an article and its styles fit in the first round trip of a connection."],
     ["daniel-okafor", "ruth-aldana"], ["censorship", "data"], None),
    ("signal-and-noise", 7, "Why We Do Not Use Web Fonts",
     "Every font file is another request a censor can see, and another thing that can fail on a slow line.",
     ["Our pages use the fonts already on your phone. They may look a little different on every device. That is on purpose.",
      "A web font is typically tens of kilobytes: more than our whole article page. On a throttled connection that is the difference between reading and giving up.",
      "It also means no request goes to a third party, which could tell it who is reading what."],
     ["daniel-okafor"], ["design", "privacy"], None),
    ("signal-and-noise", 10, "A Guide to Reading Us When We Are Blocked",
     "Mirrors, offline bundles and a newsletter: three ways to keep reading.",
     ["First, bookmark a mirror before you need it.",
      "Second, ask a friend for our offline bundle: a folder of pages you can open on a phone without any connection.",
      "Third, subscribe by e-mail. Mail is harder to block than a website."],
     ["ruth-aldana"], ["mirrors", "guides"], ("harbour", "Boats on grey water near a harbour wall.", "Many routes lead to the same harbour.", "Samizdat")),
    ("signal-and-noise", 14, "The Week the VPNs Went Quiet",
     "Three popular services stopped working on the same morning. One came back.",
     ["Readers started writing to us at six in the morning.",
      "Our tests showed that connections were being reset after a few seconds, a pattern consistent with deep packet inspection.",
      "One of the three providers restored service by the evening by disguising its traffic. The other two have not said what they will do."],
     ["night-correspondent", "daniel-okafor"], ["censorship", "vpn"], None),
    ("signal-and-noise", 18, "Pen Names and Why We Use Them",
     "Some of our bylines are not real names. Here is how we decide, and what we promise.",
     ["A pen name is not a disguise for the newsroom: our editors know who writes every story. It protects a correspondent from the people the story is about.",
      "We never publish a pen-named correspondent's photograph, location or real name, and we remove the hidden data in the photos they send before anything is published.",
      "If you are a correspondent and fear for your safety, tell your editor. Changing a byline takes one click."],
     ["mira-castell"], ["privacy", "ethics"], None),
    ("yaddasht", 1, "بازار مرزی بدون اینترنت",
     "وقتی شبکه تلفن همراه قطع شد، فروشندگان قیمت‌ها را روی تخته‌سیاه نوشتند.",
     ["نخستین چیزی که از کار افتاد برنامه پرداخت بود. از صبح روز دوم، صندوق‌داران قیمت‌ها را روی تخته‌سیاه کنار در نوشتند.",
      "مغازه‌داران می‌گویند هر روز قطعی، یک‌سوم فروششان را از دست می‌دهند.",
      "## مردم چه می‌کنند",
      "نوجوانان با دوچرخه پیام‌ها را میان محله‌ها می‌برند و یک داروساز فهرست خانواده‌هایی را که به انسولین نیاز دارند روی کاغذ نگه می‌دارد.",
      "> ما از جهان جدا نشده‌ایم؛ جهان از ما جدا شده است.",
      "مقام‌ها این قطعی را «تعمیرات» می‌نامند. اکنون ۱۹ روز از آن گذشته است."],
     ["negar-sabouri"], ["قطع اینترنت"], ("crowd", "جمعیتی انبوه با لباس‌های زمستانی در میدانی زیر آسمان ابری.", "میدان بازار در نوزدهمین روز بدون اینترنت همراه.", "سامیزدات")),
    ("yaddasht", 3, "قطارهای شبانه دوباره پر شده‌اند",
     "با لغو پروازها، قطار قدیمی شبانه دانشجویان و بازرگانان را جابه‌جا می‌کند.",
     ["قطار شبانه چهارده ساعت در راه است و از یک کرایه تاکسی فرودگاه هم ارزان‌تر است.",
      "مأموران قطار می‌گویند تقاضا پس از تعلیق پروازها سه برابر شده است.",
      "راه‌آهن دو واگن اضافه کرده است."],
     ["negar-sabouri"], ["حمل و نقل"], ("fields", "تپه‌های سبز زیر آسمان آبی و ابرهای سفید.", "منظره‌ای از پنجره واگن هفتم.", "سامیزدات")),
    ("yaddasht", 6, "کتابخانه‌ای در روستا",
     "معلمی بازنشسته کتاب‌های ممنوعه را سال‌هاست در همان قفسه نگه داشته است.",
     ["روی قفسه نوشته شده «کشاورزی»، اما در آن شعر و تاریخ و رمانی ممنوعه است.",
      "کتابدار می‌گوید: «بازرسان نمی‌خوانند، فقط می‌شمارند.»",
      "دفتر امانت نشان می‌دهد آن رمان سال گذشته ۹ بار امانت گرفته شده است."],
     ["negar-sabouri"], ["فرهنگ"], None),
    ("yaddasht", 9, "کارگران بندر اعتصاب کردند",
     "کارگران بندر شمالی به دلیل تأخیر چندماهه در پرداخت دستمزد به اعتصاب رأی دادند.",
     ["رأی‌گیری با بالا بردن دست در یک انبار برگزار شد، چون دفتر اتحادیه هفته پیش پلمب شده بود.",
      "کارگران می‌گویند دستمزدشان چهار ماه عقب افتاده است.",
      "سه کشتی بیرون بندر منتظرند."],
     ["negar-sabouri"], ["کار"], ("harbour", "قایق‌هایی با بدنه قرمز روی آب آبی مواج.", "کشتی‌ها در انتظار بیرون بندر شمالی.", "سامیزدات")),
    ("mezhdu-strok", 1, "Город без мобильной связи",
     "Когда пропала мобильная сеть, рынок перешёл на меловую доску.",
     ["Первым отказало платёжное приложение. На второй день кассиры уже писали цены мелом на доске у входа.",
      "Торговцы говорят, что каждый день без связи теряют треть выручки.",
      "Власти называют отключение плановыми работами. Оно длится девятнадцатый день."],
     ["anna-veselova"], ["отключения"], ("crowd", "Плотная толпа людей в пальто на площади под серым небом.", "Рыночная площадь на девятнадцатый день без связи.", "Самиздат")),
    ("mezhdu-strok", 5, "Судья, которая ушла в отставку",
     "Одиннадцать лет в суде и один день, чтобы уйти. Мы спросили её почему.",
     ["Она попросила не называть её суд, и мы не будем.",
      "Прошлой весной ей передали дело, в котором приговор уже был напечатан на последней странице.",
      "«Бумага была ещё тёплой», — сказала она."],
     ["anna-veselova"], ["суды"], None),
    ("mezhdu-strok", 8, "Ночные поезда снова полны",
     "После отмены рейсов старый ночной поезд везёт студентов и торговцев.",
     ["Ночной поезд идёт четырнадцать часов и стоит дешевле такси до аэропорта.",
      "Проводники говорят, что спрос вырос втрое.",
      "Железная дорога добавила два вагона."],
     ["anna-veselova"], ["транспорт"], ("fields", "Зелёные холмы под бледно-голубым небом с облаками.", "Вид из седьмого вагона.", "Самиздат")),
]

# More posts in the Persian and Russian editions' second blogs. The first Persian headline
# mixes scripts and digits on purpose: Latin names and numbers inside RTL text.
POSTS += [
    ("shabakeh", 2, "سه سرویس VPN از پنج سرویس در ۲۴ ساعت از کار افتادند",
     "آزمایش‌های ما نشان می‌دهد اتصال‌ها پس از چند ثانیه قطع می‌شوند.",
     ["خوانندگان از ساعت شش صبح برای ما نوشتند که WireGuard و OpenVPN وصل نمی‌شوند.",
      "آزمایش‌های ما با ۳ سرویس نشان داد که اتصال پس از چند ثانیه قطع می‌شود.",
      "یکی از سرویس‌ها تا عصر با پنهان کردن ترافیک خود دوباره در دسترس شد."],
     ["kaveh-arman"], ["سانسور", "VPN"], None),
    ("shabakeh", 7, "چگونه نسخهٔ آفلاین سایت را دست‌به‌دست کنیم",
     "پوشه‌ای از صفحه‌ها که بی‌اینترنت روی هر گوشی باز می‌شود.",
     ["نسخهٔ آفلاین یک پوشه است؛ آن را با بلوتوث یا کارت حافظه به دوستانتان بدهید.",
      "امضای دیجیتال نسخه را پیش از باز کردن بررسی کنید تا مطمئن شوید از ماست."],
     ["kaveh-arman", "negar-sabouri"], ["راهنما"], ("harbour", "قایق‌هایی کنار دیوار بندر در هوای ابری.", "راه‌های بسیاری به یک بندر می‌رسند.", "سامیزدات")),
    ("seti", 2, "Три VPN-сервиса из пяти перестали работать за сутки",
     "Наши тесты показывают, что соединения обрываются через несколько секунд.",
     ["С шести утра читатели писали нам, что WireGuard и OpenVPN не подключаются.",
      "Один из сервисов к вечеру восстановил работу, замаскировав трафик."],
     ["ilya-sever"], ["цензура", "VPN"], None),
    ("seti", 6, "Как передавать офлайн-версию сайта из рук в руки",
     "Папка со страницами, которая открывается на любом телефоне без интернета.",
     ["Офлайн-версия — это папка: передайте её по Bluetooth или на карте памяти.",
      "Перед тем как открыть, проверьте цифровую подпись, чтобы убедиться, что версия от нас."],
     ["ilya-sever", "anna-veselova"], ["инструкции"], None),
]

# The same story in several editions, linked as translations (original first).
TRANSLATIONS = [
    ["A Border Town Learns to Live Offline", "بازار مرزی بدون اینترنت", "Город без мобильной связи"],
    ["Night Trains Are Full Again", "قطارهای شبانه دوباره پر شده‌اند", "Ночные поезда снова полны"],
    ["The Week the VPNs Went Quiet", "سه سرویس VPN از پنج سرویس در ۲۴ ساعت از کار افتادند",
     "Три VPN-сервиса из пяти перестали работать за сутки"],
]

SCHEDULED_POST = (
    "dispatches", "Tomorrow's Hearing, Explained",
    "What is at stake when the appeals court meets, and what to watch for.",
    ["The appeals court will hear the case of the three journalists at ten in the morning.",
     "We will publish the ruling here as soon as it is read out."],
    ["mira-castell"], ["courts"],
)

UPDATED_POST_TITLE = "A Border Town Learns to Live Offline"
CORRECTION = "An earlier version of this post gave the length of the outage as seventeen days. It was nineteen."
