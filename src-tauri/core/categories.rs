//! The category hierarchy of reports: police matters by class, and the non-police classes
//! that must be diverted to 12345 (Bayannur lists 9 classes, seed 001).

/// Whether a category is a police matter or one for the 12345 hotline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Police,
    NonPolice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Category {
    pub code: &'static str,
    /// The class a leaf belongs to; `None` for a class itself.
    pub parent: Option<&'static str>,
    pub zh: &'static str,
    pub en: &'static str,
    pub kind: Kind,
}

macro_rules! taxonomy {
    ($($kind:ident $class:literal $czh:literal $cen:literal { $($code:literal $zh:literal $en:literal),+ $(,)? })+) => {
        /// Classes first, each followed by its items.
        pub const CATEGORIES: &[Category] = &[
            $(
                Category { code: $class, parent: None, zh: $czh, en: $cen, kind: Kind::$kind },
                $(Category { code: $code, parent: Some($class), zh: $zh, en: $en, kind: Kind::$kind },)+
            )+
        ];
    };
}

taxonomy! {
    Police "criminal" "刑事" "criminal" {
        "theft" "盗窃" "theft",
        "burglary" "入室盗窃" "burglary",
        "robbery" "抢劫抢夺" "robbery",
        "fraud" "诈骗" "fraud",
        "assault" "故意伤害" "assault",
    }
    Police "public_order" "治安" "public order" {
        "fight" "打架斗殴" "fight",
        "disturbance" "扰乱秩序" "disturbance",
        "drunk" "醉酒滋事" "drunk and disorderly",
        "drugs" "涉毒" "drugs",
        "gambling" "赌博" "gambling",
    }
    Police "traffic" "交通" "traffic" {
        "accident" "交通事故" "traffic accident",
        "hit_run" "肇事逃逸" "hit and run",
        "congestion" "交通堵塞" "congestion",
        "drunk_driving" "酒驾醉驾" "drunk driving",
    }
    Police "fire_rescue" "火灾救援" "fire and rescue" {
        "fire" "火灾" "fire",
        "rescue" "抢险救援" "rescue",
    }
    Police "help" "群众求助" "emergency help" {
        "missing_person" "走失人员" "missing person",
        "medical" "急病求助" "medical emergency",
        "trapped" "被困求助" "trapped",
        "suicide" "轻生" "suicide attempt",
    }
    Police "dispute" "纠纷" "dispute" {
        "family" "家庭纠纷" "family dispute",
        "neighbour" "邻里纠纷" "neighbour dispute",
        "business" "经济纠纷" "business dispute",
        "labour" "劳资纠纷" "labour dispute",
    }
    Police "other_police" "其他警情" "other police" {
        "suspicious" "可疑情况" "suspicious event",
        "alarm" "报警器报警" "alarm",
        "police_service" "警务服务" "police service",
    }
    NonPolice "np_utilities" "水电气暖" "utilities" {
        "burst_pipe" "爆管停水" "burst pipe",
        "power_cut" "停电" "power cut",
        "gas_leak" "燃气泄漏" "gas leak",
        "heating" "供暖" "heating",
    }
    NonPolice "np_municipal" "市政设施" "municipal facilities" {
        "road_damage" "道路破损" "road damage",
        "street_light" "路灯故障" "street light",
        "manhole" "井盖缺失" "missing manhole cover",
    }
    NonPolice "np_noise" "噪声扰民" "noise" {
        "noise_construction" "施工噪声" "construction noise",
        "noise_living" "生活噪声" "living noise",
    }
    NonPolice "np_environment" "环境卫生" "environment" {
        "garbage" "垃圾清运" "garbage",
        "pollution" "污染" "pollution",
    }
    NonPolice "np_consumer" "消费维权" "consumer rights" {
        "consumer" "消费纠纷" "consumer complaint",
        "refund" "退费" "refund",
    }
    NonPolice "np_housing" "物业房产" "housing and property" {
        "property" "物业纠纷" "property management",
        "elevator" "电梯故障" "elevator",
    }
    NonPolice "np_lockout" "开锁求助" "lockout" {
        "lockout" "开锁" "locked out",
    }
    NonPolice "np_enquiry" "咨询服务" "enquiries" {
        "directions" "问路" "asking the way",
        "food_order" "订餐外卖" "food order",
        "policy" "政策咨询" "policy enquiry",
    }
    NonPolice "np_animal" "动物" "animals" {
        "stray_animal" "流浪动物" "stray animal",
        "animal_nuisance" "动物扰民" "animal nuisance",
    }
}

/// The category with this code.
pub fn find(code: &str) -> Option<&'static Category> {
    CATEGORIES.iter().find(|c| c.code == code)
}

/// Every class and item of the taxonomy, classes before their items.
pub fn all() -> impl Iterator<Item = &'static Category> {
    CATEGORIES.iter()
}

/// The items (leaves) of the taxonomy.
pub fn items() -> impl Iterator<Item = &'static Category> {
    CATEGORIES.iter().filter(|c| c.parent.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_and_parents_exist_with_the_same_kind() {
        let mut seen = HashSet::new();
        for c in CATEGORIES {
            assert!(seen.insert(c.code), "duplicate code {}", c.code);
            if let Some(p) = c.parent {
                let parent = find(p).expect("parent exists");
                assert_eq!(parent.kind, c.kind, "{}", c.code);
                assert!(parent.parent.is_none(), "two-level hierarchy");
            }
        }
        let non_police_classes = CATEGORIES
            .iter()
            .filter(|c| c.parent.is_none() && c.kind == Kind::NonPolice)
            .count();
        assert_eq!(non_police_classes, 9, "Bayannur's 9 classes");
    }
}
