"""Seeded writer of simulated news stories in English and Russian (titles, paragraphs, quotations).

All wording here is original and fictional; templates plus word lists give varied but
reproducible texts (the same ``random.Random`` seed gives the same story).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import datetime

__all__ = ["Story", "write_story", "liu_story", "slugify", "AUTHORS"]


@dataclass(frozen=True)
class Story:
    title: str
    paragraphs: tuple[str, ...]
    tags: tuple[str, ...]


# --- English word lists ------------------------------------------------------------------------

EN_PLACES = (
    "Northbridge", "Port Alder", "Kelso Bay", "Rivermouth", "Eastvale", "Marrow Hill",
    "Saltmarsh", "Greywater", "Linden Cross", "Fairhaven", "Oakridge", "Westcombe",
)  # fmt: skip

EN_PEOPLE = (
    ("Maria Okafor", "the city's transport commissioner"),
    ("Daniel Reyes", "a spokesman for the regional government"),
    ("Helen Whitcombe", "chair of the finance committee"),
    ("Tomasz Nowak", "a professor of economics at Eastvale University"),
    ("Priya Raman", "the deputy mayor"),
    ("George Ashdown", "leader of the opposition group on the council"),
    ("Amara Diallo", "director of the Harbour Workers' Union"),
    ("Liam Fitzgerald", "a local business owner"),
    ("Sofia Marchetti", "head of the Rivermouth Chamber of Commerce"),
    ("Kenji Watanabe", "an engineer who worked on the original plans"),
    ("Ruth Abernathy", "a retired teacher and longtime resident"),
    ("Oskar Lindqvist", "the project's chief executive"),
    ("Fatima Haddad", "a researcher at the Institute for Public Policy"),
    ("Colin McBride", "the health minister"),
)  # fmt: skip

EN_SUBJECTS = {
    "world": (
        "ceasefire plan",
        "border crossing",
        "trade agreement",
        "embassy reopening",
        "aid convoy",
    ),
    "politics": (
        "budget vote",
        "election reform bill",
        "coalition deal",
        "housing bill",
        "pension reform",
    ),
    "business": (
        "port expansion",
        "steel plant",
        "bank merger",
        "fuel price cap",
        "grain export deal",
    ),
    "science": (
        "flood barrier study",
        "vaccine trial",
        "satellite launch",
        "coral survey",
        "battery project",
    ),
    "culture": (
        "film festival",
        "museum reopening",
        "library restoration",
        "jazz season",
        "book prize",
    ),
    "sport": ("cup final", "city marathon", "stadium plan", "transfer deal", "cycling tour"),
}

EN_TITLES = (
    "{Place} approves {subject} after months of debate",
    "{Place} delays {subject} as costs rise",
    "{Last} warns {subject} could be derailed",
    "What we know about the {subject} in {Place}",
    "Residents of {Place} divided over {subject}",
    "{Subject} in {Place} wins unexpected backing",
    "Questions mount over the {subject}",
    "{Place} unveils new plans for {subject}",
    "Inside the fight over {Place}'s {subject}",
    "{Subject}: {Place} officials promise answers by spring",
)

EN_LEADS = (
    "Officials in {Place} on {weekday} {verb} the {subject}, a decision that {consequence}.",
    "The {subject} in {Place} {verb_pp} on {weekday}, ending weeks of uncertainty that {consequence2}.",
    "After a long and at times heated meeting on {weekday}, leaders in {Place} {verb} the {subject}.",
)
EN_VERBS = (
    ("approved", "was approved"), ("postponed", "was postponed"),
    ("scaled back", "was scaled back"), ("endorsed", "was endorsed"),
)  # fmt: skip
EN_CONSEQUENCES = (
    "could reshape the local economy for a decade",
    "is likely to please some residents and anger others",
    "opponents say was rushed through without proper scrutiny",
    "will cost the public purse more than first planned",
    "supporters describe as long overdue",
)

EN_BODY = (
    "The plan, first proposed {years} years ago, has been revised {count} times. Its latest version "
    "sets aside {money} million for the first stage, according to documents seen by this newspaper.",
    "Critics point out that similar schemes in {Other} ran over budget and were finished late. "
    "Supporters reply that lessons have been learned and that the new contracts contain penalties.",
    "About {count}00 people attended a public meeting at the town hall last month, where many asked "
    "how the {subject} would affect traffic, rents and local schools.",
    "A report published in {month} found that {percent} per cent of residents supported the idea in "
    "principle, although fewer than half said they understood how it would be paid for.",
    "The timetable remains tight. The first phase is due to be completed by the end of next year, "
    "with a review of the budget scheduled for the spring.",
    "Neighbouring {Other} has watched the debate closely, and its own council is expected to discuss "
    "a similar proposal before the summer recess.",
    "Independent auditors will publish an assessment of the costs within {count} months, the "
    "council's press office said in a statement on {weekday}.",
    "Local businesses have so far been cautious. Several shop owners on the high street said they "
    "would wait for the details before deciding whether to take part.",
)

EN_QUOTES = (
    "We have waited long enough for the {subject}, and people deserve a clear answer",
    "Nobody in this building thinks the {subject} will be easy, but doing nothing is not an option",
    "This is about the next twenty years, not the next election",
    "We will keep listening to residents, but we will not stand still",
    "The numbers simply do not add up, and I have said so from the very beginning",
    "If we get the {subject} right, {Place} will feel the benefit for a generation",
    "I have not seen a single independent study that supports these figures",
    "Our members want stable jobs, and they want them here",
)
EN_CUES = ("said", "told reporters", "added", "warned", "insisted", "explained")

EN_CLOSINGS = (
    "The council is expected to vote on the final details next month.",
    "A public consultation will remain open until the end of the month.",
    "Neither side ruled out a legal challenge.",
    "The {subject} will be discussed again at the next full council meeting.",
)

# --- Russian word lists ------------------------------------------------------------------------

# (nominative, "в ..." prepositional, genitive)
RU_PLACES = (
    ("Заречный", "в Заречном", "Заречного"),
    ("Светлоярск", "в Светлоярске", "Светлоярска"),
    ("Нижние Ключи", "в Нижних Ключах", "Нижних Ключей"),
    ("Береговое", "в Береговом", "Берегового"),
    ("Озёрск-на-Вятке", "в Озёрске-на-Вятке", "Озёрска-на-Вятке"),
    ("Красный Бор", "в Красном Бору", "Красного Бора"),
    ("Старая Пристань", "в Старой Пристани", "Старой Пристани"),
    ("Волжанск", "в Волжанске", "Волжанска"),
)

# (name, role, feminine)
RU_PEOPLE = (
    ("Анна Смирнова", "вице-губернатор области", True),
    ("Игорь Беляев", "министр транспорта региона", False),
    ("Ольга Кравец", "председатель бюджетного комитета", True),
    ("Дмитрий Лосев", "профессор экономического факультета", False),
    ("Марина Юсупова", "руководитель местного отделения профсоюза", True),
    ("Сергей Гаврилов", "депутат городской думы", False),
    ("Елена Ветрова", "директор городского музея", True),
    ("Артём Широков", "генеральный директор компании-подрядчика", False),
    ("Наталья Орлова", "жительница района", True),
    ("Виктор Панин", "пресс-секретарь администрации", False),
)

# (nominative, accusative)
RU_SUBJECTS = {
    "politika": (("бюджетная реформа", "бюджетную реформу"), ("закон о выборах", "закон о выборах"),
                 ("жилищная программа", "жилищную программу"), ("пенсионная реформа", "пенсионную реформу")),
    "ekonomika": (("расширение порта", "расширение порта"), ("строительство завода", "строительство завода"),
                  ("слияние банков", "слияние банков"), ("зерновая сделка", "зерновую сделку")),
    "obshchestvo": (("ремонт школ", "ремонт школ"), ("новая больница", "новую больницу"),
                    ("транспортная реформа", "транспортную реформу"), ("программа переселения", "программу переселения")),
    "mir": (("переговоры о перемирии", "переговоры о перемирии"), ("торговое соглашение", "торговое соглашение"),
            ("открытие посольства", "открытие посольства"), ("новый пограничный переход", "новый пограничный переход")),
    "kultura": (("кинофестиваль", "кинофестиваль"), ("реставрация библиотеки", "реставрацию библиотеки"),
                ("литературная премия", "литературную премию"), ("джазовый сезон", "джазовый сезон")),
    "sport": (("финал кубка", "финал кубка"), ("городской марафон", "городской марафон"),
              ("проект стадиона", "проект стадиона"), ("велогонка", "велогонку")),
}  # fmt: skip

RU_TITLES = (
    "{Place_prep} одобрили {acc}",
    "{Place_prep} отложили {acc} из-за роста расходов",
    "Власти {place_gen} пересмотрят {acc}",
    "{Nom}: что известно к этому часу",
    "Жители {place_gen} спорят про {acc}",
    "{Name} {called} {acc} делом ближайших лет",
    "Чиновники {place_gen} пообещали ответы про {acc} к весне",
)

RU_LEADS = (
    "Власти {place_gen} {weekday} {verb} {acc}. Решение, по словам чиновников, {consequence}.",
    "{Place_prep} {weekday} {verb} {acc} — после нескольких недель неопределённости.",
    "После долгого и местами напряжённого заседания {weekday} руководство {place_gen} {verb} {acc}.",
)
RU_VERBS = ("одобрило", "отложило", "сократило", "поддержало")
RU_CONSEQUENCES = (
    "может изменить экономику города на десятилетие вперёд",
    "понравится не всем жителям",
    "было принято слишком поспешно, считают оппоненты",
    "обойдётся бюджету дороже, чем планировалось",
)

RU_BODY = (
    "План впервые предложили {years} года назад, с тех пор его пересматривали {count} раз. "
    "На первый этап в последней версии заложено {money} млн рублей, следует из документов, "
    "с которыми ознакомилась редакция.",
    "Критики напоминают, что похожие проекты в {other_prep} вышли за рамки сметы и были завершены "
    "с опозданием. Сторонники отвечают, что выводы сделаны, а в новых контрактах предусмотрены штрафы.",
    "На общественные слушания в прошлом месяце пришли около {count}00 человек. Многие спрашивали, "
    "как изменения скажутся на транспорте, ценах на аренду и работе школ.",
    "По данным опроса, опубликованного в {month_prep}, {percent}% жителей в целом поддерживают идею, "
    "однако меньше половины понимают, из каких средств она будет оплачена.",
    "Сроки остаются сжатыми: первый этап должны завершить к концу следующего года, а пересмотр "
    "сметы назначен на весну.",
    "Независимые аудиторы опубликуют оценку расходов в течение {count} месяцев, сообщили "
    "в пресс-службе администрации.",
    "Местный бизнес пока проявляет осторожность. Несколько владельцев магазинов на центральной "
    "улице сказали, что дождутся подробностей, прежде чем принимать решение.",
)

RU_QUOTES = (
    "Мы слишком долго ждали этого решения, и люди заслуживают ясного ответа",
    "Никто здесь не считает, что будет легко, но бездействие — не вариант",
    "Речь идёт о ближайших двадцати годах, а не о ближайших выборах",
    "Мы продолжим слушать жителей, но стоять на месте не будем",
    "Цифры просто не сходятся, и я говорю об этом с самого начала",
    "Я не видел ни одного независимого исследования, которое подтверждало бы эти расчёты",
)
RU_CUES = (("заявил", "заявила"), ("отметил", "отметила"), ("подчеркнул", "подчеркнула"),
           ("сказал", "сказала"), ("добавил", "добавила"))  # fmt: skip

RU_CLOSINGS = (
    "Окончательное решение депутаты рассмотрят в следующем месяце.",
    "Общественное обсуждение продлится до конца месяца.",
    "Ни одна из сторон не исключила обращения в суд.",
)

RU_WEEKDAYS = ("в понедельник", "во вторник", "в среду", "в четверг", "в пятницу",
               "в субботу", "в воскресенье")  # fmt: skip
RU_MONTHS_PREP = ("январе", "феврале", "марте", "апреле", "мае", "июне", "июле", "августе",
                  "сентябре", "октябре", "ноябре", "декабре")  # fmt: skip
EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December")  # fmt: skip

AUTHORS = {
    "en": ("Jane Holloway", "Marcus Bell", "Irene Castell", "Samuel Okoye", "Grace Lindholm"),
    "ru": ("Иван Корнеев", "Мария Лебедева", "Павел Субботин", "Ксения Аникина", "Роман Ефимов"),
}


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def write_story(rng: random.Random, lang: str, section: str, when: datetime) -> Story:
    """A fresh story for ``section`` (a key of the section vocabularies) in ``lang``."""
    if lang == "ru":
        return _write_ru(rng, section, when)
    return _write_en(rng, section, when)


def _write_en(rng: random.Random, section: str, when: datetime) -> Story:
    place, other = rng.sample(EN_PLACES, 2)
    subject = rng.choice(EN_SUBJECTS.get(section, EN_SUBJECTS["politics"]))
    (name, role), (name2, role2) = rng.sample(EN_PEOPLE, 2)
    verb, verb_pp = rng.choice(EN_VERBS)
    slots = {
        "Place": place, "Other": other, "subject": subject, "Subject": _cap(subject),
        "Last": name.split()[-1], "weekday": when.strftime("%A"), "verb": verb, "verb_pp": verb_pp,
        "consequence": rng.choice(EN_CONSEQUENCES), "consequence2": rng.choice(EN_CONSEQUENCES),
        "years": rng.randint(2, 9), "count": rng.randint(2, 9), "money": rng.randint(12, 480),
        "percent": rng.randint(35, 78), "month": EN_MONTHS[rng.randrange(12)],
    }  # fmt: skip
    title = rng.choice(EN_TITLES).format(**slots)
    paras = [rng.choice(EN_LEADS).format(**slots)]
    body = [p.format(**slots) for p in rng.sample(EN_BODY, rng.randint(2, 5))]
    quote = rng.choice(EN_QUOTES).format(**slots)
    paras.append(f"“{quote},” {rng.choice(EN_CUES)} {name}, {role}.")
    paras.extend(body)
    if rng.random() < 0.6:
        paras.insert(
            len(paras) - 1,
            f"{name2}, {role2}, disagreed. “{rng.choice(EN_QUOTES).format(**slots)}.”",
        )
    paras.append(rng.choice(EN_CLOSINGS).format(**slots))
    tags = (subject, place.lower(), section)
    return Story(title=title, paragraphs=tuple(paras[:8]), tags=tags)


def _write_ru(rng: random.Random, section: str, when: datetime) -> Story:
    (place, place_prep, place_gen), (_, other_prep, _) = rng.sample(RU_PLACES, 2)
    nom, acc = rng.choice(RU_SUBJECTS.get(section, RU_SUBJECTS["politika"]))
    (name, role, fem), (name2, role2, fem2) = rng.sample(RU_PEOPLE, 2)
    slots = {
        "Place_prep": _cap(place_prep), "place_prep": place_prep, "place_gen": place_gen,
        "other_prep": other_prep.removeprefix("в "), "Nom": _cap(nom), "acc": acc,
        "Name": name, "called": "назвала" if fem else "назвал",
        "weekday": RU_WEEKDAYS[when.weekday()], "verb": rng.choice(RU_VERBS),
        "consequence": rng.choice(RU_CONSEQUENCES), "years": rng.randint(2, 4),
        "count": rng.randint(2, 9), "money": rng.randint(120, 4800), "percent": rng.randint(35, 78),
        "month_prep": RU_MONTHS_PREP[rng.randrange(12)],
    }  # fmt: skip
    title = rng.choice(RU_TITLES).format(**slots)
    paras = [_cap(rng.choice(RU_LEADS).format(**slots))]
    body = [p.format(**slots) for p in rng.sample(RU_BODY, rng.randint(2, 5))]
    cue = rng.choice(RU_CUES)[1 if fem else 0]
    paras.append(f"«{rng.choice(RU_QUOTES)}», — {cue} {name}, {role}.")
    paras.extend(body)
    if rng.random() < 0.6:
        cue2 = rng.choice(RU_CUES)[1 if fem2 else 0]
        paras.insert(len(paras) - 1, f"{name2}, {role2}, {cue2}: «{rng.choice(RU_QUOTES)}».")
    paras.append(rng.choice(RU_CLOSINGS))
    tags = (nom, place)
    return Story(title=title, paragraphs=tuple(paras[:8]), tags=tags)


# --- the handcrafted story -----------------------------------------------------------------------

_LIU_EN = Story(
    title="Visiting Chinese official backs new transit corridor and calls for a role for Chinese firms",
    paragraphs=(
        "Liu Jianchao, head of the International Department of the Communist Party of China's Central "
        "Committee, arrived in the capital on Monday for two days of talks dominated by plans for a new "
        "rail and road corridor linking the Caspian ports with the Black Sea coast.",
        "“The corridor is not a line on a map, it is a promise of faster and fairer trade between our "
        "peoples,” Liu Jianchao said after meeting the deputy prime minister.",
        "Asked what part his country's businesses should play, he was direct. “Chinese companies have "
        "built railways, ports and logistics hubs across three continents, and they are ready to take a "
        "full part in this project, as builders, as investors and as long-term partners,” he said.",
        "Government officials said a working group would draw up a list of priority sections by the end "
        "of the year. No contracts have yet been signed, and the financing model has not been agreed.",
        "“We welcome investment from every direction, but the tenders must be open and the terms must be "
        "published,” said Marta Kovac, an analyst at the Centre for Regional Studies.",
        "The corridor would cut the journey time for containers from the eastern border to the coast "
        "from about nine days to four, according to estimates presented at the talks.",
    ),
    tags=("transit corridor", "china", "trade"),
)

_LIU_RU = Story(
    title="Лю Цзяньчао поддержал новый транзитный коридор и призвал дать место китайским компаниям",
    paragraphs=(
        "Глава Международного отдела ЦК Коммунистической партии Китая Лю Цзяньчао в понедельник прибыл "
        "в столицу с двухдневным визитом. Главной темой переговоров стал проект железнодорожного и "
        "автомобильного коридора между каспийскими портами и черноморским побережьем.",
        "«Коридор — это не линия на карте, а обещание более быстрой и честной торговли между нашими "
        "народами», — заявил Лю Цзяньчао после встречи с вице-премьером.",
        "На вопрос о роли китайского бизнеса он ответил прямо: «Китайские компании строили железные "
        "дороги, порты и логистические центры на трёх континентах и готовы в полной мере участвовать в "
        "этом проекте — как подрядчики, как инвесторы и как долгосрочные партнёры».",
        "В правительстве сообщили, что рабочая группа до конца года подготовит перечень приоритетных "
        "участков. Контракты пока не подписаны, модель финансирования не согласована.",
        "«Мы рады инвестициям с любой стороны, но тендеры должны быть открытыми, а условия — "
        "опубликованными», — отметила Марта Ковач, аналитик Центра региональных исследований.",
        "По оценкам, представленным на переговорах, коридор сократит время доставки контейнеров от "
        "восточной границы до побережья примерно с девяти до четырёх дней.",
    ),
    tags=("транзитный коридор", "Китай", "торговля"),
)


def liu_story(lang: str) -> Story:
    """The handcrafted story of a visiting official quoted on a transit corridor."""
    return _LIU_RU if lang == "ru" else _LIU_EN


# --- slugs ---------------------------------------------------------------------------------------

_TRANSLIT = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        [
            "a",
            "b",
            "v",
            "g",
            "d",
            "e",
            "e",
            "zh",
            "z",
            "i",
            "y",
            "k",
            "l",
            "m",
            "n",
            "o",
            "p",
            "r",
            "s",
            "t",
            "u",
            "f",
            "kh",
            "ts",
            "ch",
            "sh",
            "shch",
            "",
            "y",
            "",
            "e",
            "yu",
            "ya",
        ],
        strict=True,
    )
)


def slugify(title: str, max_words: int = 8) -> str:
    """A lower-case ASCII slug (Russian transliterated), at most ``max_words`` words."""
    text = "".join(_TRANSLIT.get(ch, ch) for ch in title.lower())
    words = re.findall(r"[a-z0-9]+", text)
    return "-".join(words[:max_words]) or "story"
